// The MCP tools: which command each calls, its description, and its input schema, built from
// the command's own flag definitions (library/call-options.ts) in snake_case: the positional id
// is `job_id`, `--tag` is `tags`, `--snapshot-after` is `snapshot_after`. Pure.
import { commands } from '../commands/index.js';
import { fullName } from '../command-support/command-names.js';
import type { CommandDef } from '../command-support/types.js';
import { callOptions, snakeCase, type CallOption } from '../library/call-options.js';

export { snakeCase };

const DURATIONS = 'Durations: 250ms, 10s, 5m, 2h, 1d; a bare integer is milliseconds.';

/** Tool name → [command, description]. */
const TOOLS: Record<string, [string, string]> = {
  run: ['run', `Start a command (or a coding-agent prompt) as a background job that outlives this session; answers after snapshot_after (default 10s) with the job's state and the last lines of its output. ${DURATIONS}`],
  status: ['status', 'The current state of a job: state, exit code, pids, resource use, agent activity.'],
  tail: ['tail', 'The last lines of a job\'s stdout and stderr, bounded by tail_lines and max_bytes.'],
  wait: ['wait', `Block until the job ends or timeout passes, never longer than the server's bound (about 50s by default): then wait_timed_out is true and the job keeps running; call again rather than polling status. ${DURATIONS}`],
  kill: ['kill', 'Signal the job\'s whole process group (default TERM, then KILL after grace).'],
  list: ['list', 'Jobs started from the server\'s directory (or cwd / all), newest first; filter by state, tags, executor, name.'],
  restart: ['restart', `Run an ended job again in place: same job id, attempt + 1, the earlier attempt's logs and outcome kept. ${DURATIONS}`],
  logs: ['logs', 'The last lines of each stream, or with activity: an agent job\'s parsed events (tool calls, turns, text).'],
};

export interface Tool {
  name: string;
  def: CommandDef;
  description: string;
  options: Map<string, CallOption>;
  inputSchema: { type: 'object'; properties: Record<string, unknown>; additionalProperties: false };
}

const STRING_LIST = { type: 'array', items: { type: 'string' } };

function propertySchema(o: CallOption): Record<string, unknown> {
  const description = o.positional ? 'job id (a unique prefix is enough)' : (o.spec.describe ?? '');
  if (o.spec.type === 'boolean') return { type: 'boolean', description };
  if (o.repeatable) return { anyOf: [{ type: 'string' }, STRING_LIST], description };
  return { type: 'string', description };
}

function buildTool(name: string, [command, description]: [string, string]): Tool {
  const def = commands.find((c) => fullName(c) === command);
  if (def === undefined) throw new Error(`no command ${command}`);
  const options = new Map(callOptions(def).map((o) => [snakeCase(o), o]));
  const properties: Record<string, unknown> = {};
  if (def.takesCommand) properties['command'] = { anyOf: [{ type: 'string' }, STRING_LIST], description: 'a shell command line (string) or an argv (array of strings)' };
  for (const [key, o] of options) properties[key] = propertySchema(o);
  return { name, def, description, options, inputSchema: { type: 'object', properties, additionalProperties: false } };
}

export const tools: Tool[] = Object.entries(TOOLS).map(([name, entry]) => buildTool(name, entry));
