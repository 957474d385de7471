// Checks of paths outside the job root (a job's working directory, a file named by a flag), and
// the one non-blocking open of a regular file that the store builds its own opens on.
import { closeSync, constants as fsConstants, fstatSync, lstatSync, openSync, readFileSync, statSync, type Stats } from 'node:fs';
import { JobError } from '../errors.js';
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

/** What a file is, in words: `a regular file`, `a FIFO`, `a directory`, `a symbolic link` (lstat)… */
export function fileKind(st: Stats): string {
  if (st.isFile()) return 'a regular file';
  if (st.isSymbolicLink()) return 'a symbolic link';
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

/** The io_error for a path that is not a regular file (`kind` says what it is). */
export function notRegularFile(path: string, kind: string): JobError {
  return new JobError('io_error', `${path} is ${kind}, not a regular file; jobctl does not follow or read it`, { path, kind });
}

/**
 * Opens `path` without ever blocking (O_NONBLOCK: a FIFO opens at once or fails) and returns the
 * descriptor only when it is a regular file (checked on the descriptor itself, so nothing can
 * be swapped in between); anything else is an io_error naming it. Other errors (ENOENT) are
 * thrown as they are.
 */
export function openRegularFile(path: string, flags: number, mode?: number): number {
  let fd: number;
  try {
    fd = openSync(path, flags | fsConstants.O_NONBLOCK, mode);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // ELOOP: a symlink opened with O_NOFOLLOW; ENXIO: a FIFO without a reader (write side).
    if (code === 'ELOOP') throw notRegularFile(path, 'a symbolic link');
    if (code === 'ENXIO') throw notRegularFile(path, 'a FIFO');
    if (code === 'EISDIR') throw notRegularFile(path, 'a directory');
    throw err;
  }
  const st = fstatSync(fd);
  if (!st.isFile()) {
    closeSync(fd);
    throw notRegularFile(path, fileKind(st));
  }
  return fd;
}

/** The text of a regular file; `follow` false refuses a symlink at `path` itself. */
export function readRegularFile(path: string, follow = true): string {
  const fd = openRegularFile(path, fsConstants.O_RDONLY | (follow ? 0 : fsConstants.O_NOFOLLOW));
  try {
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/** What is at `path` when it is not a directory (lstat: a symlink is not followed); ENOENT thrown. */
export function notADirectory(path: string): string | undefined {
  const st = lstatSync(path);
  return st.isDirectory() ? undefined : fileKind(st);
}
