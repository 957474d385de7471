// Opening files under the job root. Invariants: the store never follows a symlink it did not
// create and never blocks on a special file someone put in a job file's place: every open of a
// job file is O_NOFOLLOW | O_NONBLOCK, and what is opened must be a regular file (checked on
// the open descriptor); anything else is an io_error naming the path. A job directory must
// itself be a directory, not a link to one.
import { constants as fs } from 'node:fs';
import { JobError } from '../errors.js';
import { notADirectory, openRegularFile, readRegularFile } from '../util/fs-checks.js';

/** Opens a job file for reading; undefined when it does not exist. */
export function openForRead(path: string): number | undefined {
  try {
    return openRegularFile(path, fs.O_RDONLY | fs.O_NOFOLLOW);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Opens a job file for appending, creating it (0600) when missing. */
export function openForAppend(path: string): number {
  return openRegularFile(path, fs.O_WRONLY | fs.O_APPEND | fs.O_CREAT | fs.O_NOFOLLOW, 0o600);
}

/** Opens an existing job file for appending (never creates it); undefined when it does not exist. */
export function openForWriting(path: string): number | undefined {
  try {
    return openRegularFile(path, fs.O_WRONLY | fs.O_APPEND | fs.O_NOFOLLOW);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** The whole text of a job file (ENOENT thrown as it is). */
export function readFileText(path: string): string {
  return readRegularFile(path, false);
}

/** Why `dir` is not a real job directory (a symlink, a file), or undefined; ENOENT thrown as it is. */
export function directoryProblem(dir: string): string | undefined {
  const kind = notADirectory(dir);
  return kind === undefined ? undefined : `${dir} is ${kind}, not a job directory; jobctl does not follow it`;
}

/** Throws an io_error unless `dir` is a real directory (ENOENT thrown as it is). */
export function assertRealDirectory(dir: string): void {
  const problem = directoryProblem(dir);
  if (problem !== undefined) throw new JobError('io_error', problem, { path: dir });
}
