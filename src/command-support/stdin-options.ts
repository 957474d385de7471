// A command job's standard input (--stdin, --stdin-file F of run and create): read once, when
// the job is defined, and stored by the store as the job's 0600 `stdin` file — never in argv,
// meta.json or state.json. Every executor feeds it to the command's stdin as it feeds an
// agent's prompt; a restart feeds it again. Without either flag the job's stdin is /dev/null.
import type { Options } from 'yargs';
import { usageError } from '../errors.js';
import { optBool, optNonEmpty, type Args } from './args.js';
import { limitText, readInputFile } from './read-input.js';

/** The most bytes a job's stdin may hold. */
export const MAX_STDIN_BYTES = 64 * 1024 * 1024;

export const stdinOptions: Record<string, Options> = {
  stdin: { type: 'boolean', describe: 'the job reads what jobctl reads on its own stdin (to the end, 64 MiB at most)' },
  'stdin-file': { type: 'string', describe: 'the job reads this file on its stdin (copied when the job is defined)' },
};

/**
 * The Args key under which the job's stdin arrives as content, from a caller with no stdin of
 * its own to read (the library, the MCP server, a `submit` line's `stdin` string).
 */
export const STDIN_CONTENT_ARG = 'stdin-content';

/** The job's stdin bytes, or undefined when neither flag was given. */
export function jobStdin(args: Args, agentJob: boolean): Buffer | undefined {
  const content = args[STDIN_CONTENT_ARG];
  if (Buffer.isBuffer(content)) return contentStdin(content, agentJob, optNonEmpty(args, 'stdin-file'));
  const fromStdin = optBool(args, 'stdin');
  const file = optNonEmpty(args, 'stdin-file');
  if (!fromStdin && file === undefined) return undefined;
  const flag = fromStdin ? 'stdin' : 'stdin-file';
  if (fromStdin && file !== undefined) throw usageError('give the job\'s stdin either with --stdin or with --stdin-file, not both', { flag });
  if (agentJob) throw usageError(`--${flag} applies to command jobs: an agent job reads its prompt on stdin`, { flag });
  return readInputFile(fromStdin ? '-' : (file as string), flag, MAX_STDIN_BYTES);
}

/** The library's and the MCP server's `stdin`: the content itself (they have no stdin to read). */
function contentStdin(content: Buffer, agentJob: boolean, file: string | undefined): Buffer {
  if (file !== undefined) throw usageError('give the job\'s stdin either as stdin or as stdin-file, not both', { flag: 'stdin' });
  if (agentJob) throw usageError('stdin applies to command jobs: an agent job reads its prompt on stdin', { flag: 'stdin' });
  if (content.length > MAX_STDIN_BYTES) throw usageError(`stdin is larger than the limit of ${limitText(MAX_STDIN_BYTES)}`, { flag: 'stdin', limit_bytes: MAX_STDIN_BYTES });
  return content;
}
