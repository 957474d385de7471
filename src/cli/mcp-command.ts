// `jobctl mcp [--max-wait D]`: the MCP server over stdio (mcp/server.ts, and the SDK with it,
// loaded only by this command). The server's end ends the process at once: a pending wait is
// only an observation, and every job runs on under its own detached supervisor.
import { usageError } from '../errors.js';
import { optString } from '../command-support/args.js';
import { parseDuration } from '../util/duration.js';
import type { CommandDef } from '../command-support/types.js';

const MAX_WAIT_DEFAULT = '50s';

export const mcpCommand: CommandDef = {
  command: 'mcp',
  describe: 'serve the jobctl tools (run, status, tail, wait, kill, list, logs) over MCP on stdio',
  type: 'mcp',
  usesRoot: false,
  options: {
    'max-wait': { type: 'string', describe: `longest a tool call blocks (wait, run --wait); longer requests are clamped (default ${MAX_WAIT_DEFAULT})` },
  },
  async handler(args, ctx) {
    const maxWaitMs = parseDuration(optString(args, 'max-wait') ?? MAX_WAIT_DEFAULT, '--max-wait', ctx.warn);
    if (maxWaitMs < 1) throw usageError('--max-wait must be above 0', { flag: 'max-wait' });
    const { serveMcp } = await import('../mcp/server.js');
    await serveMcp({ root: ctx.root, config: ctx.configFlag, maxWaitMs });
    process.exit(0);
  },
};
