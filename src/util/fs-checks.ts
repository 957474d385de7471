// Checks of paths outside the job root (a job's working directory, a file named by a flag).
import { closeSync, statSync } from 'node:fs';
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
