// Incremental reads of a job's logs for `logs --follow`: bytes from an offset up to the current
// end of a log (bounded per read), and a watch on state.json that re-arms itself across the
// atomic renames that replace it (see wait.ts).
import { openSync, readSync, fstatSync, closeSync, watch, type FSWatcher } from 'node:fs';
import { jobFiles } from './jobs.js';

/** Bytes of `path` from `offset`, at most `maxBytes`; empty when the log does not exist yet. */
export function readLogFrom(path: string, offset: number, maxBytes: number): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return Buffer.alloc(0);
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.max(0, Math.min(size - offset, maxBytes));
    if (length === 0) return Buffer.alloc(0);
    const buf = Buffer.alloc(length);
    const n = readSync(fd, buf, 0, length, offset);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** Calls `onChange` whenever state.json is replaced or written; returns a stop function. */
export function watchState(dir: string, onChange: () => void): { rearm(): void; close(): void } {
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
      watcher.on('error', () => undefined);
    } catch {
      // Mid-rename, or no inotify: the caller's poll re-arms.
    }
  };
  arm();
  return {
    rearm: () => { if (watcher === undefined) arm(); },
    close: () => { closed = true; watcher?.close(); watcher = undefined; },
  };
}
