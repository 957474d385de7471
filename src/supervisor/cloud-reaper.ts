// The cloud reaper: while any cloud instance record exists under a root, one process
// (`supervisor.cjs --reaper ROOT`) looks at the instances (executors/cloud/instances.ts
// repairExecutor), destroys those idle past their idle_timeout, retries failed destroys when
// their backoff ends, repairs records a crash left, sleeps until the earliest such time (or a
// change: `.cloud/.wake`), and exits once no record is left. A supervisor whose job gave back
// an instance starts it when none is live; so do `executors` and `gc`.
// Invariants:
// - Its identity is in <root>/.cloud/.reaper; one live reaper per root (two, after a race, are
//   harmless: each instance is claimed under its executor's lock before it is destroyed).
// - An instance is destroyed only once no live job is listed on it (instances.ts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessIdentity } from '../job/transitions.js';
import { cloudDir, cloudExecutors, readInstances } from '../store/cloud-instances.js';
import { entryOf, isLive, readEntry, removeQuietly, writeEntry } from '../store/slot-entries.js';
import { sleepUntilChange } from '../util/sleep-until-change.js';
import { repairExecutor } from '../executors/cloud/instances.js';
import { processStartTime } from '../util/proc.js';

const MAX_SLEEP_MS = 60_000;

const reaperPath = (root: string): string => join(cloudDir(root), '.reaper');
const wakePath = (root: string): string => join(cloudDir(root), '.wake');

/** Starts a reaper (`start`) unless a live one is recorded, and wakes the one that is. */
export function ensureCloudReaper(root: string, start: () => ProcessIdentity | undefined): void {
  if (!cloudExecutors(root).some((e) => readInstances(root, e).length > 0)) return;
  if (isLive(readEntry(reaperPath(root)))) {
    writeEntry(wakePath(root), { at: Date.now() });
    return;
  }
  const started = start();
  if (started !== undefined) writeEntry(reaperPath(root), entryOf({ jobId: 'reaper', queuedAt: '', pid: started.pid, startTime: started.startTime }));
}

/** One look at every executor's instances: the earliest time something is due, or undefined when none is left. */
export async function reapOnce(root: string): Promise<number | undefined> {
  let next: number | undefined;
  for (const executor of cloudExecutors(root)) {
    const r = await repairExecutor(root, executor, { idle: true });
    if (r.next !== undefined) next = next === undefined ? r.next : Math.min(next, r.next);
  }
  return next;
}

export async function runCloudReaper(root: string): Promise<void> {
  const self = { pid: process.pid, startTime: processStartTime(process.pid) };
  // Started only where records exist: a .cloud that is gone (the root deleted) is not made again.
  if (!existsSync(cloudDir(root))) return;
  if (self.startTime !== undefined) writeEntry(reaperPath(root), entryOf({ jobId: 'reaper', queuedAt: '', pid: self.pid, startTime: self.startTime }));
  for (;;) {
    const next = await reapOnce(root);
    if (next === undefined) {
      if (readEntry(reaperPath(root))?.pid === self.pid) removeQuietly(reaperPath(root));
      // A record made meanwhile starts a reaper of its own (ensureCloudReaper finds none).
      if ((await reapOnce(root)) === undefined) return;
      continue;
    }
    await sleepUntilChange(cloudDir(root), Math.min(MAX_SLEEP_MS, Math.max(100, next - Date.now())), (name) => name.startsWith('.wake'));
  }
}
