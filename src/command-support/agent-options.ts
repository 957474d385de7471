// The coding-agent flags of run, create and start (--prompt ...): they turn a job into an agent
// job whose argv runs the agent's CLI with the prompt on stdin (src/agents/argv.ts).
import { randomUUID } from 'node:crypto';
import type { Options } from 'yargs';
import { usageError } from '../errors.js';
import { optInt, optNonEmpty, optString, oneOf, type Args } from './args.js';
import { AGENT_NAMES, type AgentName, type AgentSpec } from '../agents/types.js';
import { CLI_LIMITS_TURNS, agentArgv, checkAgentOptions } from '../agents/argv.js';
import { quoteArgv } from '../util/shell-quote.js';
import { readInputFile } from './read-input.js';
import type { ExecutorDef } from '../executors/types.js';

export const agentOptions: Record<string, Options> = {
  prompt: { type: 'string', describe: 'run a coding agent with this prompt (given to it on stdin, never in argv)' },
  'prompt-file': { type: 'string', describe: 'run a coding agent with the prompt in this file (- for stdin)' },
  agent: { type: 'string', describe: `which agent CLI: ${AGENT_NAMES.join(' | ')} (default claude)` },
  'max-turns': { type: 'string', describe: 'stop the agent after this many turns (default [defaults] max_turns)' },
  model: { type: 'string', describe: 'model name passed to the agent CLI' },
  session: { type: 'string', describe: 'start a new agent session with this id (Claude: a UUID)' },
  resume: { type: 'string', describe: 'continue this agent session (jobs of one session never run at once)' },
  'permission-mode': { type: 'string', describe: 'permission mode of the agent CLI (see docs/agents.md)' },
};

const AGENT_ONLY_FLAGS = ['agent', 'max-turns', 'model', 'session', 'resume', 'permission-mode'];
/** A prompt larger than this is refused: agent CLIs are not meant to take whole files on stdin. */
export const MAX_PROMPT_BYTES = 16 * 1024 * 1024;

export interface AgentPayload {
  spec: AgentSpec;
  prompt: Buffer;
  command: string;
  argv: string[];
}

export const isAgentJob = (args: Args): boolean => args['prompt'] !== undefined || args['prompt-file'] !== undefined;

function readPrompt(args: Args): Buffer {
  const text = optString(args, 'prompt');
  const file = optNonEmpty(args, 'prompt-file');
  if (text !== undefined && file !== undefined) throw usageError('give the prompt either with --prompt or with --prompt-file, not both', { flag: 'prompt' });
  let prompt: Buffer;
  if (text !== undefined) {
    prompt = Buffer.from(text, 'utf8');
  } else {
    prompt = readInputFile(file as string, 'prompt-file', MAX_PROMPT_BYTES);
  }
  if (prompt.toString('utf8').trim() === '') throw usageError('the prompt is empty', { flag: text !== undefined ? 'prompt' : 'prompt-file' });
  if (prompt.length > MAX_PROMPT_BYTES) throw usageError(`the prompt is larger than ${MAX_PROMPT_BYTES} bytes`, { flag: text !== undefined ? 'prompt' : 'prompt-file', bytes: prompt.length });
  return prompt;
}

/** Agent flags given without --prompt are a mistake, not something to ignore. */
export function refuseStrayAgentFlags(args: Args): void {
  const stray = AGENT_ONLY_FLAGS.find((f) => args[f] !== undefined);
  if (stray !== undefined) throw usageError(`--${stray} applies to agent jobs only (give --prompt or --prompt-file)`, { flag: stray });
}

/** The agent job the flags describe, run on the executor `def`. */
export function agentPayload(args: Args, def: ExecutorDef, defaultMaxTurns: number | undefined): AgentPayload {
  const name: AgentName = oneOf(args, 'agent', AGENT_NAMES) ?? 'claude';
  const prompt = readPrompt(args);
  const model = optNonEmpty(args, 'model');
  const session = optNonEmpty(args, 'session')?.trim();
  const resume = optNonEmpty(args, 'resume')?.trim();
  const permission = optNonEmpty(args, 'permission-mode');
  if (session !== undefined && resume !== undefined) throw usageError('give --session (a new session) or --resume (an existing one), not both', { flag: 'session' });
  const maxTurns = optInt(args, 'max-turns', 1, 100_000) ?? defaultMaxTurns;
  checkAgentOptions({ name, model, session, resume, permission_mode: permission });
  const spec: AgentSpec = {
    name,
    binary: def.agent_paths?.[name] ?? name,
    ...(model !== undefined ? { model } : {}),
    ...(maxTurns !== undefined ? { max_turns: maxTurns } : {}),
    // Claude takes a session id from the caller: choosing it here makes it known before the
    // job starts (status, resuming, one job per session at a time).
    ...(session !== undefined ? { session } : resume === undefined && name === 'claude' ? { session: randomUUID() } : {}),
    ...(resume !== undefined ? { resume } : {}),
    ...(permission !== undefined ? { permission_mode: permission } : {}),
    cli_limits_turns: CLI_LIMITS_TURNS[name],
    prompt_bytes: prompt.length,
  };
  const argv = agentArgv(spec);
  return { spec, prompt, argv, command: `${quoteArgv(argv)} < prompt` };
}
