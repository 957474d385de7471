// The token `jobctl serve` creates when it is given none: `<root>/.serve/token`, 0600 in a 0700
// directory, so whoever may read the jobs may use the server and nobody else. Invariants: an
// existing token is kept (a restarted server takes the same one, its clients keep working);
// two servers starting at once end with one token (created by link(2), which never replaces);
// the file is opened without following a symlink and must be a regular file.
import { randomBytes } from 'node:crypto';
import { closeSync, constants as fs, openSync, writeSync, fsyncSync } from 'node:fs';
import { join } from 'node:path';
import { JobError } from '../errors.js';
import { makeDirs } from '../util/make-dirs.js';
import { readFileText } from './safe-open.js';
import { linkIntoPlace } from './atomic.js';

export interface StoredToken {
  token: string;
  path: string;
}

/** 32 random bytes as 64 hex characters. */
const newToken = (): string => randomBytes(32).toString('hex');

export const serveTokenPath = (root: string): string => join(root, '.serve', 'token');

function readToken(path: string): string | undefined {
  let text: string;
  try {
    text = readFileText(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const token = text.trim();
  if (token === '') throw new JobError('io_error', `${path} is empty; delete it and start jobctl serve again for a new token`, { path });
  return token;
}

/** The root's server token, created (0600) when there is none yet. */
export function readOrCreateServeToken(root: string): StoredToken {
  const path = serveTokenPath(root);
  const existing = readToken(path);
  if (existing !== undefined) return { token: existing, path };
  makeDirs(join(root, '.serve'), 0o700);
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, fs.O_WRONLY | fs.O_CREAT | fs.O_EXCL | fs.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, `${newToken()}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  linkIntoPlace(tmp, path);
  const token = readToken(path);
  if (token === undefined) throw new JobError('io_error', `${path} vanished while it was created`, { path });
  return { token, path };
}
