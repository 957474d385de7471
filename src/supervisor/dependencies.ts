// Whether a queued job's --after / --after-ok dependencies let it start: one look, no waiting.
// A job whose dependencies are pending waits as a record in the `after` line; the dispatcher
// (dispatch.ts) looks again whenever it runs: after a job ends, a kill, any command.
// Invariants:
// - A dependency counts as ended only in a terminal state. A pending one is reconciled, so a
//   dependency whose supervisor died is seen (and recorded) as `lost` rather than waited for.
// - --after-ok: a dependency that did not end `exited` with exit code 0 (or was deleted) fails
//   the job with dependency_failed before anything runs. --after: any end, or deletion, will do.
// - A retried job whose earlier attempt started does not wait again (its dependencies were met).
import { jobDir, readJob } from '../store/jobs.js';
import { reconcile, type ReconcileActions } from '../job/reconcile.js';
import { dependenciesMet } from '../job/attempts.js';
import { JobError } from '../errors.js';
import type { JobMeta } from '../store/types.js';
import { isTerminal, type JobErrorInfo, type JobStateRecord } from '../job/state.js';

type DependencyEnd = JobStateRecord | 'deleted' | 'pending';

/** How a dependency stands now (a non-terminal one is reconciled with its supervisor). */
async function dependencyEnd(root: string, id: string, actions: ReconcileActions): Promise<DependencyEnd> {
  try {
    let job = readJob(jobDir(root, id));
    if (!isTerminal(job.state.state)) job = await reconcile(job, actions);
    return isTerminal(job.state.state) ? job.state : 'pending';
  } catch (err) {
    // A passing read error is looked at again on the next pass.
    return err instanceof JobError && err.code === 'job_not_found' ? 'deleted' : 'pending';
  }
}

/** Why an ended dependency does not satisfy --after-ok, or undefined when it does. */
export function notOk(id: string, end: JobStateRecord | 'deleted'): string | undefined {
  const name = `dependency ${id}`;
  if (end === 'deleted') return `${name} was deleted`;
  const timedOut = end.timed_out === true ? ' after timing out' : '';
  switch (end.state) {
    case 'exited':
      return end.exit_code === 0 ? undefined : `${name} exited with code ${end.exit_code ?? 'unknown'}${timedOut}`;
    case 'killed':
      return `${name} was killed by ${end.signal ?? 'a signal'}${timedOut}`;
    case 'failed':
      return `${name} failed (${end.error?.code ?? 'unknown error'})`;
    case 'lost':
      return `${name} was lost${end.lost_reason !== undefined ? ` (${end.lost_reason})` : ''}`;
    default:
      return `${name} is ${end.state}`;
  }
}

export type DependencyVerdict = 'ok' | JobErrorInfo | { pending: string };

/** How dependencies stood when first looked at, by id: one look per dependency in a dispatcher pass. */
export type DependencyEnds = Map<string, DependencyEnd>;

/**
 * 'ok' to go on, the failure when an --after-ok dependency failed, or the first pending one.
 * `seen`: dependencies already looked at (by a pass serving many jobs waiting for the same one).
 */
export async function dependencyVerdict(root: string, meta: JobMeta, state: JobStateRecord, actions: ReconcileActions, seen: DependencyEnds = new Map()): Promise<DependencyVerdict> {
  const after = meta.after ?? [];
  if (after.length === 0 || dependenciesMet(state)) return 'ok';
  let pending: string | undefined;
  for (const dep of after) {
    let end = seen.get(dep.job_id);
    if (end === undefined) seen.set(dep.job_id, (end = await dependencyEnd(root, dep.job_id, actions)));
    if (end === 'pending') pending ??= dep.job_id;
    else if (dep.require_ok) {
      const why = notOk(dep.job_id, end);
      if (why !== undefined) return { code: 'dependency_failed', message: why };
    }
  }
  return pending === undefined ? 'ok' : { pending };
}

/** What a job with these dependencies shows while it waits for `pending`. */
export const waitingForJob = (pending: string): string => `job ${pending}`;
