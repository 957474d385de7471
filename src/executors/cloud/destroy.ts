// Destroying cloud instances and repairing what a crash left (records: store/cloud-instances.ts).
// Invariants:
// - A record is `destroying` (claimed under the lock, owned by this process) before the provider
//   is asked to destroy it, and removed only once the destroy is confirmed. A failed destroy keeps
//   it with `destroy_error` and a `next_destroy_at` (backoff): it is tried again.
// - A record known by its name only (a crash before the provider answered) is destroyed by name,
//   then kept until its boot deadline (a provider call may still have been making it) and
//   destroyed by name once more after it.
// - A record in `provisioning` or `destroying` is left alone while it is owned (recordOwned); once
//   it is not, what lives of its provider command group is killed before it is destroyed.
// - Each destroy call ends by its deadline; a repair runs its destroys side by side.
import { bootDeadline, readInstances, recordOwned, removeInstance, withInstances, type InstanceRecord } from '../../store/cloud-instances.js';
import { ProviderUnusable, providerFor, type InstanceRef } from './provider.js';
import { claimForDestroy, doneForGood, killLeftGroup, pruneJobs, recordGroupOf } from './instance-records.js';

const MAX_DESTROY_BACKOFF_MS = 300_000;
/** How long one destroy call may take. */
const DESTROY_CALL_MS = 60_000;
/** How soon an owned record is looked at again. */
const OWNED_LOOK_MS = 60_000;

export interface DestroyOutcome {
  /** The record is gone (or kept only to destroy by name once more after its boot deadline). */
  done: boolean;
  /** The provider cannot be asked from this process at all (no API token). */
  unusable: boolean;
}

function refOf(rec: InstanceRecord): InstanceRef {
  const ref: InstanceRef = { name: rec.name, executor: rec.executor };
  for (const key of ['instance_id', 'host', 'port', 'user', 'answer'] as const) if (rec[key] !== undefined) Object.assign(ref, { [key]: rec[key] });
  return ref;
}

/** Asks the provider to destroy the instance (state `destroying`, owned by this process). */
export async function destroyInstance(root: string, rec: InstanceRecord): Promise<DestroyOutcome> {
  let error: string | undefined;
  let unusable = false;
  try {
    await providerFor(rec.def).destroy(refOf(rec), { deadlineMs: Date.now() + DESTROY_CALL_MS, recordGroup: recordGroupOf(root, rec) });
  } catch (err) {
    error = (err as Error).message.slice(0, 500);
    unusable = err instanceof ProviderUnusable;
  }
  await withInstances(root, rec.executor, (records, write) => {
    const cur = records.find((r) => r.name === rec.name);
    if (cur === undefined) return;
    delete cur.owner;
    if (error === undefined && cur.instance_id === undefined && Date.now() < bootDeadline(cur)) {
      // Destroyed by name while a provider call may still be making it: once more after its deadline.
      cur.recheck = true;
      cur.next_destroy_at = new Date(bootDeadline(cur)).toISOString();
      delete cur.destroy_error;
      return write(cur);
    }
    if (error === undefined) return removeInstance(root, rec.executor, rec.name);
    cur.destroy_attempts = (cur.destroy_attempts ?? 0) + 1;
    cur.destroy_error = error;
    cur.next_destroy_at = new Date(Date.now() + Math.min(MAX_DESTROY_BACKOFF_MS, 1000 * 2 ** (cur.destroy_attempts - 1))).toISOString();
    write(cur);
  });
  return { done: error === undefined, unusable };
}

export interface RepairOptions {
  /** Destroy idle instances whose idle_timeout passed (false: only crash repair, due retries, done per_job instances). */
  idle: boolean;
  /** Destroy every instance no live job runs on, whatever its idle time or backoff (`executors down`). */
  all?: boolean;
}

export interface RepairResult {
  /** The earliest time (epoch ms) something will be due; undefined when nothing is left to watch. */
  next: number | undefined;
  destroyed: string[];
  failed: string[];
  /** A destroy could not ask the provider at all from this process (no API token). */
  unusable: boolean;
}

/** Under the lock: whether the record is due for destruction now, else when it will be (via `later`). */
function isDue(rec: InstanceRecord, options: RepairOptions, now: number, later: (t: number) => void): boolean {
  if (rec.state === 'provisioning' || rec.state === 'destroying') {
    if (recordOwned(rec, now)) {
      later(Math.min(now + OWNED_LOOK_MS, Math.max(now + 1000, bootDeadline(rec))));
      return false;
    }
    if (rec.state === 'provisioning' || options.all === true || rec.next_destroy_at === undefined || Date.parse(rec.next_destroy_at) <= now) return true;
    later(Date.parse(rec.next_destroy_at));
    return false;
  }
  if (doneForGood(rec)) return true;
  if (rec.jobs.length > 0) {
    later(now + OWNED_LOOK_MS);
    return false;
  }
  const deadline = Date.parse(rec.idle_since ?? rec.ready_at ?? rec.created_at) + rec.def.idle_timeout_ms;
  if (options.all === true || (options.idle && deadline <= now)) return true;
  later(deadline);
  return false;
}

/**
 * One look at an executor's instances: ended jobs are dropped from the lists, then every
 * instance due for destruction (done for good, idle past its timeout, a retry whose time came, a
 * record left by a dead owner) is claimed under the lock and destroyed outside it.
 */
export async function repairExecutor(root: string, executor: string, options: RepairOptions): Promise<RepairResult> {
  const now = Date.now();
  let next: number | undefined;
  const later = (t: number): void => {
    next = next === undefined ? t : Math.min(next, t);
  };
  const due = await withInstances(root, executor, (records, write) => {
    const out: InstanceRecord[] = [];
    for (const rec of records) {
      const changed = pruneJobs(root, rec);
      const claim = isDue(rec, options, now, later);
      if (claim) {
        killLeftGroup(rec.owner);
        out.push(claimForDestroy(rec));
      }
      if (claim || changed) write(rec);
    }
    return out;
  });
  const outcomes = await Promise.all(due.map((rec) => destroyInstance(root, rec)));
  const destroyed = due.filter((_, i) => outcomes[i]?.done === true).map((r) => r.name);
  const failed = due.filter((_, i) => outcomes[i]?.done !== true).map((r) => r.name);
  for (const rec of readInstances(root, executor)) if (rec.next_destroy_at !== undefined) later(Date.parse(rec.next_destroy_at));
  if (failed.length > 0) later(now + 1000);
  return { next, destroyed, failed, unusable: outcomes.some((o) => o.unusable) };
}
