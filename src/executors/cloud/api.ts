// What commands may ask about cloud instances (`executors`, `executors down`, `gc`): the
// records as rows, taking an executor's instances down, and one repair pass over every
// executor. Everything else of cloud/ stays behind the target and the reaper.
import { cloudExecutors, readInstances, type InstanceRecord } from '../../store/cloud-instances.js';
import { repairExecutor } from './destroy.js';

const since = (iso: string | undefined, now: number): number | undefined => (iso === undefined ? undefined : Math.max(0, now - Date.parse(iso)));

/** An instance as `executors` lists it: age, idle time and cost so far (when priced). */
export function instanceRow(rec: InstanceRecord, now = Date.now()): Record<string, unknown> {
  const out: Record<string, unknown> = { name: rec.name, state: rec.state, created_at: rec.created_at, age_ms: since(rec.created_at, now), jobs: rec.jobs };
  if (rec.instance_id !== undefined) out['instance_id'] = rec.instance_id;
  if (rec.host !== undefined) out['host'] = rec.host;
  if (rec.port !== undefined) out['port'] = rec.port;
  if (rec.jobs.length === 0 && rec.state === 'ready') out['idle_ms'] = since(rec.idle_since ?? rec.ready_at, now);
  if (rec.hourly_cost !== undefined) {
    out['hourly_cost'] = rec.hourly_cost;
    out['cost_so_far'] = Math.round(rec.hourly_cost * ((since(rec.created_at, now) ?? 0) / 3_600_000) * 1e6) / 1e6;
  }
  if (rec.destroy_error !== undefined) {
    out['destroy_error'] = rec.destroy_error;
    out['destroy_attempts'] = rec.destroy_attempts ?? 0;
    if (rec.next_destroy_at !== undefined) out['next_destroy_at'] = rec.next_destroy_at;
  }
  return out;
}

/** The live instances of one executor, oldest first. */
export const listInstances = (root: string, executor: string): Record<string, unknown>[] => readInstances(root, executor).map((r) => instanceRow(r));

/** Executors with instance records (configured or not any more). */
export const executorsWithInstances = (root: string): string[] => cloudExecutors(root);

export interface DownResult {
  destroyed: string[];
  failed: { name: string; error: string }[];
  /** Instances a live job runs on: left alone (kill the job first). */
  busy: { name: string; jobs: string[] }[];
  /** Every record still there afterwards, whatever the reason (busy, failed, being provisioned or destroyed by a live process, destroyed by name and checked again later). */
  remaining: { name: string; state: string; jobs: string[]; destroy_error?: string }[];
}

/** Destroys every instance of `executor` no live job runs on, failed destroys retried whatever their backoff. */
export async function takeDown(root: string, executor: string): Promise<DownResult> {
  // Nothing recorded: nothing to lock, and nothing is created under the root.
  if (readInstances(root, executor).length === 0) return { destroyed: [], failed: [], busy: [], remaining: [] };
  const r = await repairExecutor(root, executor, { idle: true, all: true });
  const left = readInstances(root, executor);
  return {
    destroyed: r.destroyed.filter((name) => !left.some((x) => x.name === name)),
    failed: left.filter((x) => r.failed.includes(x.name)).map((x) => ({ name: x.name, error: x.destroy_error ?? 'destroy failed' })),
    busy: left.filter((x) => x.jobs.length > 0).map((x) => ({ name: x.name, jobs: x.jobs })),
    remaining: left.map((x) => ({ name: x.name, state: x.state, jobs: x.jobs, ...(x.destroy_error !== undefined ? { destroy_error: x.destroy_error } : {}) })),
  };
}

/** One repair pass over every executor (gc): idle instances past their timeout, crash leftovers, due retries. */
export async function repairAllInstances(root: string): Promise<{ destroyed: string[]; failed: string[] }> {
  // Executors side by side (each runs its destroys side by side): gc waits for the slowest call, not their sum.
  const results = await Promise.all(cloudExecutors(root).map((executor) => repairExecutor(root, executor, { idle: true })));
  return { destroyed: results.flatMap((r) => r.destroyed), failed: results.flatMap((r) => r.failed) };
}
