// state.json: the job's lifecycle record. This module is its one writer after creation, and
// only src/job/apply.ts calls it (the linter keeps it so): every state change is a transition
// of the lifecycle core, applied here under the job lock.
// Invariants: the record is replaced atomically (write-temp, fsync, rename) while the job lock
// is held, so concurrent writers never lose an update; every write is a compare-and-set: right
// before it, the lock is confirmed still held and state.json still holds the very bytes the
// decision was made on, else LockLost is thrown and nothing is written (a holder that stalled
// past the stale period never writes over what another process recorded meanwhile); a deleted
// job (meta.json renamed away) takes no more writes; on ENOSPC the job's reserve is released
// for this write (reserve.ts).
import { writeJsonAtomic } from './atomic.js';
import { LockLost, withJobLock } from './lock.js';
import { withReserve } from './reserve.js';
import { assertStillAJob, jobFiles, readStateText } from './jobs.js';
import type { JobStateRecord } from '../job/state.js';
import { nowIso } from '../util/time.js';

export { LockLost } from './lock.js';

export interface StateChange {
  before: JobStateRecord;
  after: JobStateRecord;
  /** False when `change` left the record as it was (nothing written). */
  written: boolean;
}

/**
 * Reads state.json under the job lock and writes what `change` returns (with a fresh
 * updated_at); undefined leaves it as it is. `change` may act under the lock (start a process).
 * Throws LockLost when the record it read is no longer the one on disk by the time of the write.
 */
export async function changeStateFile(
  dir: string,
  change: (current: JobStateRecord) => JobStateRecord | undefined | Promise<JobStateRecord | undefined>,
): Promise<StateChange> {
  return withJobLock(dir, async (lock) => {
    assertStillAJob(dir);
    const text = readStateText(dir);
    const before = JSON.parse(text) as JobStateRecord;
    const next = await change(before);
    if (next === undefined) return { before, after: before, written: false };
    const after = { ...next, updated_at: nowIso() };
    lock.confirm();
    assertStillAJob(dir);
    if (readStateText(dir) !== text) throw new LockLost(jobFiles(dir).state, 'state.json was replaced while this process decided');
    withReserve(dir, () => writeJsonAtomic(jobFiles(dir).state, after));
    return { before, after, written: true };
  });
}
