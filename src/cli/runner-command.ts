// `jobctl runner --server URL --token-file F --name NAME [--label L]... [--max-concurrent N]`:
// pulls the jobs of the server's `[executors.NAME] type = "runner"` and runs them as local jobs
// of its own root (runner/, loaded only by this command). Prints one JSON line once the server
// answered, then runs until SIGTERM/SIGINT/SIGHUP, which end it with exit 0; its jobs run on
// under their own supervisors and are taken up again by the next runner on this root.
import { resolve } from 'node:path';
import { JobError, usageError } from '../errors.js';
import { printSuccess, STREAMED } from '../output.js';
import { log } from '../log.js';
import { optInt, optNonEmpty, stringList } from '../command-support/args.js';
import { parseDuration } from '../util/duration.js';
import { readRegularFile } from '../util/fs-checks.js';
import type { CommandDef } from '../command-support/types.js';

const STOP_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

function serverUrl(text: string | undefined): string {
  if (text === undefined) throw usageError('--server URL is required (the address of jobctl serve)', { flag: 'server' });
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usageError(`--server ${JSON.stringify(text.slice(0, 200))} is not a URL`, { flag: 'server' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usageError('--server must be an http:// or https:// URL', { flag: 'server' });
  return url.origin;
}

function readToken(path: string | undefined): string {
  if (path === undefined) throw usageError('--token-file F is required (the token of this runner\'s executor)', { flag: 'token-file' });
  let token: string;
  try {
    token = readRegularFile(resolve(path)).trim();
  } catch (err) {
    throw usageError(`--token-file ${path}: ${(err as Error).message}`, { flag: 'token-file' });
  }
  if (token.length < 16 || /\s/.test(token)) throw usageError(`--token-file ${path}: the token must be at least 16 characters without white space`, { flag: 'token-file' });
  return token;
}

export const runnerCommand: CommandDef = {
  command: 'runner',
  describe: 'pull and run the jobs of a runner executor of a jobctl serve (long polling, no open port)',
  type: 'runner',
  options: {
    server: { type: 'string', describe: 'URL of the jobctl serve to pull from (https through a reverse proxy)' },
    'token-file': { type: 'string', describe: 'file holding this runner\'s token (its executor\'s token_file on the server)' },
    name: { type: 'string', describe: 'the runner executor this runner is ([executors.NAME] type = "runner" on the server)' },
    label: { type: 'string', describe: 'a label this runner announces (repeatable; shown by executors)' },
    'max-concurrent': { type: 'string', describe: 'jobs run at once at most (default 4)' },
    'poll-wait': { type: 'string', describe: 'how long the server may hold one poll open (default 25s, from 1s to 30s)' },
    'report-every': { type: 'string', describe: 'between two reports of a held job (default 1s)' },
  },
  async handler(args, ctx) {
    const server = serverUrl(optNonEmpty(args, 'server'));
    const token = readToken(optNonEmpty(args, 'token-file'));
    const name = optNonEmpty(args, 'name');
    if (name === undefined || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(name)) throw usageError('--name NAME is required: the name of the runner executor in the server\'s config', { flag: 'name' });
    const maxConcurrent = optInt(args, 'max-concurrent', 1, 1000) ?? 4;
    const pollWaitMs = Math.min(30_000, parseDuration(optNonEmpty(args, 'poll-wait') ?? '25s', '--poll-wait', ctx.warn));
    if (pollWaitMs < 1000) throw usageError('--poll-wait must be at least 1s (a shorter poll would keep asking the server without rest)', { flag: 'poll-wait' });
    const reportEveryMs = Math.max(50, parseDuration(optNonEmpty(args, 'report-every') ?? '1s', '--report-every', ctx.warn));
    const { RunnerClient } = await import('../runner/client.js');
    const { Runner } = await import('../runner/main.js');
    const client = new RunnerClient(server, name, token);
    const runner = new Runner({ root: ctx.root, config: ctx.configFlag, client, labels: stringList(args, 'label'), maxConcurrent, pollWaitMs, reportEveryMs });
    const stopped = new Promise<string>((done) => STOP_SIGNALS.forEach((signal) => process.once(signal, () => done(signal))));
    const connected = runner.connect();
    const first = await Promise.race([connected.then(() => undefined), stopped]).catch((err: unknown) => {
      runner.release();
      throw err;
    });
    if (first !== undefined) runner.release();
    if (first !== undefined) throw new JobError('executor_unavailable', `stopped by ${first} before ${server} answered`, { server });
    printSuccess('runner', { server, name, root: ctx.root, held: runner.heldCount, max_concurrent: maxConcurrent }, []);
    const running = runner.run();
    const signal = await stopped;
    log.info(`runner: ${signal}: stopping (held jobs run on)`);
    runner.stop();
    await Promise.race([running, new Promise((r) => setTimeout(r, 2000))]);
    runner.release();
    process.exit(0);
    return STREAMED;
  },
};
