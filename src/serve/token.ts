// Where the server's token comes from, first found wins: $JOBCTL_TOKEN, `--token-file F`,
// `[serve] token_file` in the config, else the root's own token (`<root>/.serve/token`, created
// 0600 on first use: store/serve-token.ts). A token named explicitly must be at least 16
// characters; a file named and missing, empty or unreadable is refused, never replaced.
import { JobError, usageError } from '../errors.js';
import { readRegularFile } from '../util/fs-checks.js';
import { readOrCreateServeToken } from '../store/serve-token.js';

export const MIN_TOKEN_LENGTH = 16;

export interface ServeToken {
  token: string;
  /** The file it was read from (absent when it came from the environment). */
  file: string | undefined;
  /** False only for the root's own token: a non-loopback address needs an explicit one. */
  explicit: boolean;
}

export interface TokenSources {
  root: string;
  /** --token-file as given. */
  flagFile: string | undefined;
  /** [serve] token_file (resolved by the config). */
  configFile: string | undefined;
}

function checked(token: string, from: string, bad: (message: string) => JobError): string {
  if (token.length < MIN_TOKEN_LENGTH) throw bad(`the token from ${from} is shorter than ${MIN_TOKEN_LENGTH} characters`);
  if (/\s/.test(token)) throw bad(`the token from ${from} contains white space`);
  return token;
}

function fromFile(path: string, from: string, bad: (message: string) => JobError): string {
  let text: string;
  try {
    text = readRegularFile(path);
  } catch (err) {
    throw bad(`${from} ${path}: ${(err as Error).message}`);
  }
  return checked(text.trim(), `${from} ${path}`, bad);
}

export function resolveToken(sources: TokenSources): ServeToken {
  const env = process.env['JOBCTL_TOKEN'];
  // Jobs started through the server inherit its environment: the token must not reach them.
  delete process.env['JOBCTL_TOKEN'];
  if (env !== undefined && env !== '') return { token: checked(env, 'JOBCTL_TOKEN', (m) => usageError(m, { source: 'env' })), file: undefined, explicit: true };
  if (sources.flagFile !== undefined) {
    const bad = (m: string): JobError => usageError(m, { flag: 'token-file' });
    if (sources.flagFile === '') throw bad('--token-file must not be empty');
    return { token: fromFile(sources.flagFile, '--token-file', bad), file: sources.flagFile, explicit: true };
  }
  if (sources.configFile !== undefined) {
    const bad = (m: string): JobError => new JobError('config_error', m, { key: 'serve.token_file' });
    return { token: fromFile(sources.configFile, '[serve] token_file', bad), file: sources.configFile, explicit: true };
  }
  const stored = readOrCreateServeToken(sources.root);
  return { token: stored.token, file: stored.path, explicit: false };
}
