// A watch on a job's state.json itself — not on the job directory, where every log write would
// fire an event. Each state change replaces the file (atomic rename), which the watch sees as the
// old inode going away; the watch then re-arms on the new file. Callers keep a slow poll that
// calls rearm(), for the moments the file was mid-rename or inotify is unavailable.
import { watch, type FSWatcher } from 'node:fs';
import { jobFiles } from './jobs.js';

/**
 * Calls `onChange` whenever state.json is replaced or written; returns rearm (after a failed arm:
 * true when it was not armed, so a change meanwhile went unseen) and close.
 */
export function watchState(dir: string, onChange: () => void): { rearm(): boolean; close(): void } {
  const statePath = jobFiles(dir).state;
  let watcher: FSWatcher | undefined;
  let closed = false;
  const arm = (): void => {
    watcher?.close();
    watcher = undefined;
    if (closed) return;
    try {
      watcher = watch(statePath, { persistent: true }, () => {
        arm();
        onChange();
      });
      // A watch that failed is dropped, so that the caller's poll re-arms it (rearm: true).
      const failed = watcher;
      failed.on('error', () => {
        failed.close();
        if (watcher === failed) watcher = undefined;
      });
    } catch {
      // Mid-rename, or no inotify: the caller's poll re-arms.
    }
  };
  arm();
  return {
    rearm: () => {
      if (watcher !== undefined) return false;
      arm();
      return true;
    },
    close: () => { closed = true; watcher?.close(); watcher = undefined; },
  };
}
