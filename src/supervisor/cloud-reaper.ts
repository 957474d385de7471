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
import { appendFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessIdentity } from '../job/transitions.js';
import { cloudDir, cloudExecutors, readInstances } from '../store/cloud-instances.js';
import { entryOf, isLive, readEntry, removeQuietly, writeEntry } from '../store/slot-entries.js';
import { sleepUntilChange } from '../util/sleep-until-change.js';
import { repairExecutor } from '../executors/cloud/destroy.js';
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

/** Where the reaper notes what went wrong: one line per failure. */
export const reaperLogPath = (root: string): string => join(cloudDir(root), 'reaper.log');
/** How soon an executor whose look failed is looked at again. */
const FAILED_LOOK_MS = 5000;

function note(root: string, line: string): void {
  try {
    if (existsSync(cloudDir(root))) appendFileSync(reaperLogPath(root), `${new Date().toISOString()} ${line.replace(/\s+/g, ' ').slice(0, 1000)}\n`, { mode: 0o600 });
  } catch {
    // Nowhere to note it: the next look tries again.
  }
}

export interface ReapResult {
  /** The earliest time something is due; undefined when no record is left. */
  next: number | undefined;
  /** A destroy could not reach its provider from this process (no API token). */
  unusable: boolean;
}

/** One look at every executor's instances; an executor whose look fails is noted and looked at again soon. */
export async function reapOnce(root: string): Promise<ReapResult> {
  let next: number | undefined;
  let unusable = false;
  const later = (t: number): void => {
    next = next === undefined ? t : Math.min(next, t);
  };
  for (const executor of cloudExecutors(root)) {
    try {
      const r = await repairExecutor(root, executor, { idle: true });
      if (r.next !== undefined) later(r.next);
      if (r.failed.length > 0) note(root, `${executor}: destroying ${r.failed.join(', ')} failed (retried later)`);
      unusable ||= r.unusable;
    } catch (err) {
      note(root, `${executor}: ${(err as Error).message}`);
      if (readInstances(root, executor).length > 0) later(Date.now() + FAILED_LOOK_MS);
    }
  }
  return { next, unusable };
}

export async function runCloudReaper(root: string): Promise<void> {
  const self = { pid: process.pid, startTime: processStartTime(process.pid) };
  // Started only where records exist: a .cloud that is gone (the root deleted) is not made again.
  if (!existsSync(cloudDir(root))) return;
  if (self.startTime !== undefined) writeEntry(reaperPath(root), entryOf({ jobId: 'reaper', queuedAt: '', pid: self.pid, startTime: self.startTime }));
  const leave = (): void => {
    if (readEntry(reaperPath(root))?.pid === self.pid) removeQuietly(reaperPath(root));
  };
  for (;;) {
    const { next, unusable } = await reapOnce(root);
    if (unusable) {
      // Started without the provider's token (gc from cron): it leaves, so the next starter
      // (a supervisor, `executors`, `gc`) starts one with its own environment.
      note(root, 'a destroy found no API token in this reaper\'s environment: it exits; the next jobctl command that has it starts a new reaper');
      return leave();
    }
    if (next === undefined) {
      leave();
      // A record made meanwhile starts a reaper of its own (ensureCloudReaper finds none).
      if ((await reapOnce(root)).next === undefined) return;
      continue;
    }
    await sleepUntilChange(cloudDir(root), Math.min(MAX_SLEEP_MS, Math.max(100, next - Date.now())), (name) => name.startsWith('.wake'));
  }
}
