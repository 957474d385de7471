// Wake-ups of a job waiting for a slot: fs.watch on the slot directories of its limits (a holder
// or an earlier ticket removed) and on its job directory (state.json replaced: killed). Read
// only; the events are hints, the caller re-reads everything under the locks.
import { watch, type FSWatcher } from 'node:fs';
import { ensureSlotDirs } from './slot-tickets.js';
import type { Limit } from './slot-limits.js';

/** Calls `onChange` on every change; returns the function that stops watching. */
export function watchSlots(root: string, limits: Limit[], jobDir: string, onChange: () => void): () => void {
  const watchers: FSWatcher[] = [];
  const add = (path: string, filter?: string): void => {
    try {
      const w = watch(path, { persistent: true }, (_event, name) => {
        if (filter === undefined || name === null || name === filter) onChange();
      });
      w.on('error', () => undefined);
      watchers.push(w);
    } catch {
      // No inotify watch left: the caller's poll still notices.
    }
  };
  let dirs: string[] = [];
  try {
    dirs = ensureSlotDirs(root, limits);
  } catch {
    // Taking a slot will say what is wrong; meanwhile the poll is enough.
  }
  for (const dir of dirs) add(dir);
  // A queued job's directory sees little else: no logs are written before it starts.
  add(jobDir, 'state.json');
  return () => watchers.forEach((w) => w.close());
}
