// The life of cloud instances: taking one for a job (reusing an idle one, or provisioning a new
// one), giving it back when the job ends, destroying it, and repairing what a crash left.
// Invariants (records: store/cloud-instances.ts):
// - The record exists, in `provisioning` with the job in it, before the provider is asked; it
//   becomes `ready` with the address once SSH answers, `destroying` before the provider is asked
//   to destroy it, and is removed only once the destroy is confirmed. A failed destroy keeps the
//   record with `destroy_error` and a `next_destroy_at` (backoff): it is tried again.
// - Which jobs an instance runs is decided under the executor's lock; a job listed on an
//   instance that is terminal (or gone) no longer counts, so an instance is idle exactly when
//   no live job is listed on it — whoever looks corrects the list.
// - An idle instance is destroyed once `idle_timeout` has passed since its last job ended
//   (per_job, or idle_timeout 0: at once, by the job's supervisor); nothing is destroyed while
//   a live job is listed on it.
// - A `provisioning` or `destroying` record whose owner died is repaired by the next look
//   (repairExecutor: gc, the reaper, every supervisor of the executor): the instance is destroyed
//   by its id, or by its name when the id was never recorded.
import { join } from 'node:path';
import { customAlphabet } from 'nanoid';
import type { CloudExecutor } from '../types.js';
import { readState } from '../../store/jobs.js';
import { isTerminal } from '../../job/state.js';
import { nowIso } from '../../util/time.js';
import { ownerLive, readInstances, removeInstance, selfOwner, withInstances, writeInstance, type InstanceRecord } from '../../store/cloud-instances.js';
import { ProvisionError, providerFor } from './provider.js';
import { waitForSsh } from './instance-ssh.js';
import { TargetError } from '../port.js';

const instanceSuffix = customAlphabet('0123456789abcdefghijklmnopqrstuvwxyz', 12);
/** How long a job waits for room on an instance when its slot did not guarantee one. */
const ROOM_WAIT_MS = 60_000;
const MAX_DESTROY_BACKOFF_MS = 300_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** False once the job is terminal or gone; a job whose state cannot be read counts as live. */
export function jobActive(root: string, jobId: string): boolean {
  try {
    return !isTerminal(readState(join(root, jobId)).state);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/** Drops ended jobs from the record; true when it changed (and is then written by the caller). */
function pruneJobs(root: string, rec: InstanceRecord): boolean {
  const live = rec.jobs.filter((id) => jobActive(root, id));
  if (live.length === rec.jobs.length) return false;
  rec.jobs = live;
  if (live.length === 0) rec.idle_since = nowIso();
  return true;
}

const counts = (rec: InstanceRecord): boolean => rec.state === 'provisioning' || rec.state === 'ready';

type Pick = { kind: 'reuse'; rec: InstanceRecord } | { kind: 'create'; rec: InstanceRecord } | { kind: 'wait'; why: string };

/** Under the lock: an instance with room for the job, a new record to provision, or why it must wait. */
function pickInstance(root: string, executor: string, def: CloudExecutor, jobId: string, records: InstanceRecord[]): Pick {
  for (const rec of records) if (pruneJobs(root, rec)) writeInstance(root, rec);
  if (!def.per_job) {
    const room = records.find((r) => r.state === 'ready' && r.jobs.length < def.instance_jobs);
    if (room !== undefined) {
      room.jobs.push(jobId);
      delete room.idle_since;
      writeInstance(root, room);
      return { kind: 'reuse', rec: room };
    }
  }
  const live = records.filter(counts).length;
  if (def.max_instances !== undefined && live >= def.max_instances) return { kind: 'wait', why: `all ${def.max_instances} instances of ${executor} are busy` };
  const rec: InstanceRecord = { name: `jobctl-${instanceSuffix()}`, executor, state: 'provisioning', created_at: nowIso(), owner: selfOwner(), jobs: [jobId], def };
  writeInstance(root, rec);
  return { kind: 'create', rec };
}

/**
 * An instance for the job: a ready one with room, else a new one (recorded first, then
 * provisioned, then waited for until SSH answers). A provisioning failure throws a transient
 * TargetError carrying the provider's message, after whatever was made is destroyed.
 */
export async function acquireInstance(root: string, executor: string, def: CloudExecutor, jobId: string, scratchDir: string): Promise<InstanceRecord> {
  const until = Date.now() + ROOM_WAIT_MS;
  for (;;) {
    const pick = await withInstances(root, executor, (records) => pickInstance(root, executor, def, jobId, records));
    if (pick.kind === 'reuse') return pick.rec;
    if (pick.kind === 'create') return provision(root, pick.rec, scratchDir);
    if (Date.now() > until) throw new TargetError(pick.why, true);
    await sleep(500);
  }
}

async function provision(root: string, rec: InstanceRecord, scratchDir: string): Promise<InstanceRecord> {
  const deadline = Date.now() + rec.def.boot_timeout_ms;
  let made: InstanceRecord = rec;
  try {
    const address = await providerFor(rec.def).provision({ name: rec.name, executor: rec.executor }, deadline);
    made = await update(root, rec, (r) => Object.assign(r, address));
    await waitForSsh(root, made, scratchDir, deadline);
    return await update(root, made, (r) => {
      r.state = 'ready';
      r.ready_at = nowIso();
      delete r.owner;
    });
  } catch (err) {
    const message = (err as Error).message;
    const created = err instanceof ProvisionError ? err.created : undefined;
    const unknown = err instanceof ProvisionError ? err.mayExist : false;
    if (made.instance_id === undefined && created === undefined && !unknown) {
      await withInstances(root, rec.executor, () => removeInstance(root, rec.executor, rec.name));
    } else {
      const doomed = await update(root, made, (r) => {
        Object.assign(r, created ?? {});
        r.state = 'destroying';
        r.jobs = [];
      });
      await destroyInstance(root, doomed);
    }
    throw new TargetError(`provisioning a ${rec.def.provider} instance for ${rec.executor} failed: ${message}`, true);
  }
}

/** Applies `change` to the record as it is now on disk (under the lock) and writes it. */
async function update(root: string, rec: InstanceRecord, change: (r: InstanceRecord) => void): Promise<InstanceRecord> {
  return withInstances(root, rec.executor, (records) => {
    const cur = records.find((r) => r.name === rec.name) ?? rec;
    change(cur);
    writeInstance(root, cur);
    return cur;
  });
}

/** The instance record the job is listed on, if any (lock-free). */
export function instanceOfJob(root: string, executor: string, jobId: string): InstanceRecord | undefined {
  return readInstances(root, executor).find((r) => r.jobs.includes(jobId));
}

export function instanceNamed(root: string, executor: string, name: string): InstanceRecord | undefined {
  return readInstances(root, executor).find((r) => r.name === name);
}

/** The job ended: its instance becomes idle when it was the last; per_job (or idle_timeout 0) destroys it now. */
export async function releaseInstance(root: string, executor: string, jobId: string): Promise<void> {
  const doomed = await withInstances(root, executor, (records) => {
    const rec = records.find((r) => r.jobs.includes(jobId));
    if (rec === undefined) return undefined;
    rec.jobs = rec.jobs.filter((id) => id !== jobId);
    pruneJobs(root, rec);
    if (rec.jobs.length === 0) rec.idle_since ??= nowIso();
    const now = rec.state === 'ready' && rec.jobs.length === 0 && (rec.def.per_job || rec.def.idle_timeout_ms === 0);
    if (now) {
      rec.state = 'destroying';
      rec.owner = selfOwner();
    }
    writeInstance(root, rec);
    return now ? rec : undefined;
  });
  if (doomed !== undefined) await destroyInstance(root, doomed);
}

/** Asks the provider to destroy the instance (state `destroying`, owned by this process); true once confirmed. */
export async function destroyInstance(root: string, rec: InstanceRecord): Promise<boolean> {
  let error: string | undefined;
  try {
    await providerFor(rec.def).destroy({ name: rec.name, executor: rec.executor, ...(rec.instance_id !== undefined ? { instance_id: rec.instance_id } : {}), ...(rec.host !== undefined ? { host: rec.host } : {}), ...(rec.port !== undefined ? { port: rec.port } : {}), ...(rec.user !== undefined ? { user: rec.user } : {}) });
  } catch (err) {
    error = (err as Error).message.slice(0, 500);
  }
  await withInstances(root, rec.executor, (records) => {
    const cur = records.find((r) => r.name === rec.name);
    if (cur === undefined) return;
    if (error === undefined) return removeInstance(root, rec.executor, rec.name);
    cur.destroy_attempts = (cur.destroy_attempts ?? 0) + 1;
    cur.destroy_error = error;
    cur.next_destroy_at = new Date(Date.now() + Math.min(MAX_DESTROY_BACKOFF_MS, 1000 * 2 ** (cur.destroy_attempts - 1))).toISOString();
    delete cur.owner;
    writeInstance(root, cur);
  });
  return error === undefined;
}

export interface RepairOptions {
  /** Destroy idle instances whose idle_timeout passed (false: only crash repair and due retries). */
  idle: boolean;
  /** Destroy every instance no live job runs on, whatever its idle time (`executors down`). */
  all?: boolean;
}

/**
 * One look at an executor's instances: ended jobs are dropped from the lists, then every
 * instance due for destruction (idle past its timeout, a retry whose time came, a record left
 * by a dead owner) is claimed under the lock and destroyed outside it. Returns the earliest time
 * (epoch ms) something will be due, or undefined when nothing is left to watch.
 */
export async function repairExecutor(root: string, executor: string, options: RepairOptions): Promise<{ next: number | undefined; destroyed: string[]; failed: string[] }> {
  const now = Date.now();
  let next: number | undefined;
  const later = (t: number): void => {
    next = next === undefined ? t : Math.min(next, t);
  };
  const due = await withInstances(root, executor, (records) => {
    const out: InstanceRecord[] = [];
    for (const rec of records) {
      const changed = pruneJobs(root, rec);
      let claim = false;
      if (rec.state === 'provisioning' || rec.state === 'destroying') {
        if (ownerLive(rec.owner)) {
          later(now + 60_000);
        } else if (rec.state === 'provisioning' || rec.next_destroy_at === undefined || Date.parse(rec.next_destroy_at) <= now) {
          claim = true;
        } else {
          later(Date.parse(rec.next_destroy_at));
        }
      } else if (rec.jobs.length === 0) {
        const deadline = Date.parse(rec.idle_since ?? rec.ready_at ?? rec.created_at) + rec.def.idle_timeout_ms;
        if (options.all === true || (options.idle && deadline <= now)) claim = true;
        else later(deadline);
      } else {
        later(now + 60_000);
      }
      if (claim) {
        rec.state = 'destroying';
        rec.jobs = [];
        rec.owner = selfOwner();
        out.push(rec);
      }
      if (claim || changed) writeInstance(root, rec);
    }
    return out;
  });
  const destroyed: string[] = [];
  const failed: string[] = [];
  for (const rec of due) {
    if (await destroyInstance(root, rec)) destroyed.push(rec.name);
    else {
      failed.push(rec.name);
      later(now + 1000);
    }
  }
  if (failed.length > 0) {
    for (const rec of readInstances(root, executor)) if (rec.next_destroy_at !== undefined) later(Date.parse(rec.next_destroy_at));
  }
  return { next, destroyed, failed };
}
