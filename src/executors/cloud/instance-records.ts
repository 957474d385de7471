// What every decision on cloud instance records shares (instances.ts, destroy.ts): which jobs
// still count on an instance, when an instance is done for good, claiming one for destruction,
// and changing one record under the executor's lock.
// Invariants:
// - A job listed on an instance that is terminal (or gone) no longer counts: whoever looks
//   drops it, under the lock.
// - A `ready` instance with no live job that is kept for nobody (per_job, or idle_timeout 0) is
//   done for good: whoever finds it so claims it for destruction at once, wherever its list was
//   trimmed.
import { join } from 'node:path';
import { readState } from '../../store/jobs.js';
import { isTerminal } from '../../job/state.js';
import { nowIso } from '../../util/time.js';
import { bootId, killJobGroup } from '../../util/proc.js';
import { readInstances, selfOwner, withInstances, type CommandGroup, type InstanceOwner, type InstanceRecord } from '../../store/cloud-instances.js';

/** False once the job is terminal or gone; a job whose state cannot be read counts as live. */
export function jobActive(root: string, jobId: string): boolean {
  try {
    return !isTerminal(readState(join(root, jobId)).state);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/** Drops ended jobs from the record; true when it changed (and is then written by the caller). */
export function pruneJobs(root: string, rec: InstanceRecord): boolean {
  const live = rec.jobs.filter((id) => jobActive(root, id));
  if (live.length === rec.jobs.length) return false;
  rec.jobs = live;
  if (live.length === 0) rec.idle_since = nowIso();
  return true;
}

/** A ready instance no live job runs on, kept for nobody: per_job, or idle_timeout 0. */
export const doneForGood = (rec: InstanceRecord): boolean => rec.state === 'ready' && rec.jobs.length === 0 && (rec.def.per_job || rec.def.idle_timeout_ms === 0);

/** Marks the record `destroying`, owned by this process (the caller writes it and destroys it). */
export function claimForDestroy(rec: InstanceRecord): InstanceRecord {
  rec.state = 'destroying';
  rec.jobs = [];
  rec.owner = selfOwner();
  return rec;
}

/** Kills what lives of a dead owner's provider command group (same boot only). */
export function killLeftGroup(owner: InstanceOwner | undefined): void {
  if (owner?.group !== undefined && owner.boot_id === bootId()) killJobGroup(owner.group.pgid, owner.group.start_time);
}

/** Applies `change` to the record as it is now on disk (under the lock) and writes it. */
export async function update(root: string, rec: InstanceRecord, change: (r: InstanceRecord) => void): Promise<InstanceRecord> {
  return withInstances(root, rec.executor, (records, write) => {
    const cur = records.find((r) => r.name === rec.name) ?? rec;
    change(cur);
    write(cur);
    return cur;
  });
}

/** Records the provider command's group as part of this process's ownership; throws when the record is gone. */
export const recordGroupOf = (root: string, rec: InstanceRecord) => async (group: CommandGroup): Promise<void> => {
  await withInstances(root, rec.executor, (records, write) => {
    const cur = records.find((r) => r.name === rec.name);
    if (cur === undefined) throw new Error(`the record of instance ${rec.name} is gone`);
    cur.owner = { ...selfOwner(), group };
    write(cur);
  });
};

/** The instance record the job is listed on, if any (lock-free). */
export function instanceOfJob(root: string, executor: string, jobId: string): InstanceRecord | undefined {
  return readInstances(root, executor).find((r) => r.jobs.includes(jobId));
}

export function instanceNamed(root: string, executor: string, name: string): InstanceRecord | undefined {
  return readInstances(root, executor).find((r) => r.name === name);
}
