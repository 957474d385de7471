// `jobctl serve [--listen HOST:PORT] [--token-file F] [--max-wait D]`: the HTTP API over the job
// store (serve/, loaded only by this command). Prints one JSON line once it listens, then
// serves until SIGTERM/SIGINT/SIGHUP, which close it (listener, streams) and exit 0; no job is
// touched: every job runs on under its own detached supervisor.
import { resolve } from 'node:path';
import { usageError } from '../errors.js';
import { printSuccess, STREAMED } from '../output.js';
import { log } from '../log.js';
import { optString } from '../command-support/args.js';
import { parseDuration } from '../util/duration.js';
import type { CommandDef } from '../command-support/types.js';

const MAX_WAIT_DEFAULT = '60s';
const STOP_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

export const serveCommand: CommandDef = {
  command: 'serve',
  describe: 'serve the HTTP API (and the dashboard) over the job store',
  type: 'serve',
  options: {
    listen: { type: 'string', describe: 'HOST:PORT to listen on (default [serve] listen, else 127.0.0.1:8787; port 0 picks a free one)' },
    'token-file': { type: 'string', describe: 'file holding the bearer token (default $JOBCTL_TOKEN, [serve] token_file, else <root>/.serve/token, created)' },
    'max-wait': { type: 'string', describe: `longest a request blocks (wait, run with wait); longer ones are clamped (default ${MAX_WAIT_DEFAULT})` },
  },
  async handler(args, ctx) {
    const maxWaitMs = parseDuration(optString(args, 'max-wait') ?? MAX_WAIT_DEFAULT, '--max-wait', ctx.warn);
    if (maxWaitMs < 1) throw usageError('--max-wait must be above 0', { flag: 'max-wait' });
    const tokenFile = optString(args, 'token-file');
    const { serveHttp } = await import('../serve/main.js');
    const { server, ready } = await serveHttp({
      root: ctx.root,
      configFlag: ctx.configFlag,
      config: () => ctx.config(),
      listen: optString(args, 'listen'),
      tokenFile: tokenFile !== undefined && tokenFile !== '' ? resolve(tokenFile) : tokenFile,
      maxWaitMs,
    });
    const stopped = new Promise<string>((done) => STOP_SIGNALS.forEach((signal) => process.once(signal, () => done(signal))));
    printSuccess('serve', ready, []);
    const signal = await stopped;
    log.info(`serve: ${signal}: closing`);
    await server.close();
    process.exit(0);
    return STREAMED;
  },
};
