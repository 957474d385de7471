// Checks of paths outside the job root (a job's working directory, a file named by a flag).
import { closeSync, constants, fstatSync, openSync, readFileSync, statSync, type Stats } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** True when `path` is a directory (following symlinks); false when missing or anything else. */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** What a file is, in words: `a regular file`, `a FIFO`, `a directory`, `a character device`… */
export function fileKind(st: Stats): string {
  if (st.isFile()) return 'a regular file';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'a special file';
}

/** What `path` is when it exists and is not a regular file (following symlinks); undefined otherwise. */
export function specialFileKind(path: string): string | undefined {
  let st: Stats;
  try {
    st = statSync(path);
  } catch {
    return undefined;
  }
  return st.isFile() ? undefined : fileKind(st);
}

/**
 * The text of a regular file named by the user, read without ever waiting on a FIFO or a device:
 * opened with O_NONBLOCK (a FIFO open returns at once) and refused unless fstat says it is a
 * regular file. Throws an Error naming the path and what it is.
 */
export function readRegularFile(path: string): string {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error(`${path} is ${fileKind(st)}, not a regular file`);
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/** `~` and `~/…` as this user's home; any other path as it is. */
export const expandHome = (path: string): string => (path === '~' ? homedir() : path.startsWith('~/') ? join(homedir(), path.slice(2)) : path);

/** Closes descriptors this process handed to a child (errors ignored: it may have closed one). */
export function closeDescriptors(fds: number[]): void {
  for (const fd of fds) {
    try {
      closeSync(fd);
    } catch {
      // Already closed.
    }
  }
}
