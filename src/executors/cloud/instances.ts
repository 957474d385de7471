// The life of cloud instances for jobs: taking one for a job (reusing an idle one, or
// provisioning a new one) and giving it back when the job ends. Destroying and crash repair:
// destroy.ts; what both share: instance-records.ts; the records: store/cloud-instances.ts.
// Invariants:
// - The record exists, in `provisioning` with the job in it, before the provider is asked; it
//   becomes `ready` with the address once SSH answers.
// - Which jobs an instance runs is decided under the executor's lock; an instance is idle
//   exactly when no live job is listed on it — whoever looks corrects the list, and claims an
//   instance done for good (per_job, idle_timeout 0) for destruction at once.
// - Every record counts toward max_instances, `destroying` ones too: destroys that keep failing
//   never let the bill grow.
// - An idle instance is destroyed once `idle_timeout` has passed since its last job ended; nothing
//   is destroyed while a live job is listed on it.
import { customAlphabet } from 'nanoid';
import type { CloudExecutor } from '../types.js';
import { nowIso } from '../../util/time.js';
import { removeInstance, selfOwner, withInstances, type InstanceRecord, type RecordWriter } from '../../store/cloud-instances.js';
import { ProvisionError, providerFor } from './provider.js';
import { waitForSsh } from './instance-ssh.js';
import { TargetError } from '../port.js';
import { claimForDestroy, doneForGood, pruneJobs, recordGroupOf, update } from './instance-records.js';
import { destroyInstance } from './destroy.js';

const instanceSuffix = customAlphabet('0123456789abcdefghijklmnopqrstuvwxyz', 12);
/** How long a job waits for room on an instance when its slot did not guarantee one. */
const ROOM_WAIT_MS = 60_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let recorded: (root: string) => void = () => undefined;
/** Called (with the root) each time an instance record is created: the reaper must run. */
export function onInstanceRecorded(hook: (root: string) => void): void {
  recorded = hook;
}

type Pick = { kind: 'reuse'; rec: InstanceRecord } | { kind: 'create'; rec: InstanceRecord } | { kind: 'wait'; why: string };

/** Under the lock: an instance with room for the job, a new record to provision, or why it must wait; `doomed` gets instances done for good. */
function pickInstance(root: string, executor: string, def: CloudExecutor, jobId: string, records: InstanceRecord[], write: RecordWriter, doomed: InstanceRecord[]): Pick {
  for (const rec of records) {
    const changed = pruneJobs(root, rec);
    const done = doneForGood(rec);
    if (done) doomed.push(claimForDestroy(rec));
    if (changed || done) write(rec);
  }
  if (!def.per_job) {
    const room = records.find((r) => r.state === 'ready' && r.jobs.length < def.instance_jobs);
    if (room !== undefined) {
      room.jobs.push(jobId);
      delete room.idle_since;
      write(room);
      return { kind: 'reuse', rec: room };
    }
  }
  if (def.max_instances !== undefined && records.length >= def.max_instances) return { kind: 'wait', why: `all ${def.max_instances} instances of ${executor} are busy or being destroyed` };
  const rec: InstanceRecord = { name: `jobctl-${instanceSuffix()}`, executor, state: 'provisioning', created_at: nowIso(), owner: selfOwner(), jobs: [jobId], def };
  write(rec);
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
    const doomed: InstanceRecord[] = [];
    const pick = await withInstances(root, executor, (records, write) => pickInstance(root, executor, def, jobId, records, write, doomed));
    if (pick.kind === 'create') recorded(root);
    // An instance whose last job ended is destroyed now, by whoever found it so.
    const freed = await Promise.all(doomed.map((rec) => destroyInstance(root, rec)));
    if (pick.kind === 'reuse') return pick.rec;
    if (pick.kind === 'create') return provision(root, pick.rec, scratchDir);
    if (Date.now() > until) throw new TargetError(pick.why, true);
    if (!freed.some((o) => o.done)) await sleep(500);
  }
}

async function provision(root: string, rec: InstanceRecord, scratchDir: string): Promise<InstanceRecord> {
  const deadline = Date.now() + rec.def.boot_timeout_ms;
  let made: InstanceRecord = rec;
  try {
    const address = await providerFor(rec.def).provision({ name: rec.name, executor: rec.executor }, { deadlineMs: deadline, recordGroup: recordGroupOf(root, rec) });
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
      const doomed = await update(root, made, (r) => claimForDestroy(Object.assign(r, created ?? {})));
      await destroyInstance(root, doomed);
    }
    throw new TargetError(`provisioning a ${rec.def.provider} instance for ${rec.executor} failed: ${message}`, true);
  }
}

/**
 * The job ended: it leaves its instance (the one listing it, else `instanceName`, the one its
 * state names — another look may have dropped it from the list already); an instance done for
 * good (per_job, idle_timeout 0) is destroyed now, any other becomes idle when it was the last.
 */
export async function releaseInstance(root: string, executor: string, jobId: string, instanceName?: string): Promise<void> {
  const doomed = await withInstances(root, executor, (records, write) => {
    const rec = records.find((r) => r.jobs.includes(jobId)) ?? records.find((r) => r.name === instanceName);
    if (rec === undefined) return undefined;
    rec.jobs = rec.jobs.filter((id) => id !== jobId);
    pruneJobs(root, rec);
    if (rec.jobs.length === 0) rec.idle_since ??= nowIso();
    const now = doneForGood(rec);
    if (now) claimForDestroy(rec);
    write(rec);
    return now ? rec : undefined;
  });
  if (doomed !== undefined) await destroyInstance(root, doomed);
}
