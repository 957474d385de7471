// Waiting for --after / --after-ok dependencies before a job's first attempt.
// Invariants:
// - The job stays `queued` while it waits, with `waiting_for: "job <id>"` naming a dependency
//   that is not terminal yet; the field is cleared once the wait is over.
// - A dependency counts as ended only in a terminal state. Its state.json is watched (fs.watch,
//   re-armed on every replacement), and every POLL_MS it is also reconciled, so a dependency
//   whose supervisor died is seen (and recorded) as `lost` rather than waited for for ever.
// - --after-ok: a dependency that did not end `exited` with exit code 0 (or was deleted) fails
//   this job with dependency_failed before anything runs. --after: any end, or deletion, will do.
// - A kill of this job (its state leaves `queued`) ends the wait at once: 'gone'.
// - A retried job whose earlier attempt started does not wait again (its dependencies were met).
import { dirname } from 'node:path';
import { jobDir, readJob, readState } from '../store/jobs.js';
import { watchState } from '../store/state-watch.js';
import { reconcile, type ReconcileActions } from '../job/reconcile.js';
import { dependenciesMet } from '../job/attempts.js';
import { applyTransition } from '../job/apply.js';
import { setWaitingFor as waitingFor } from '../job/annotations.js';
import { JobError } from '../errors.js';
import type { Dependency, JobMeta } from '../store/types.js';
import { isTerminal, type JobErrorInfo, type JobStateRecord } from '../job/state.js';

/** Fallback poll, and the moment dependencies are reconciled with their supervisors. */
const POLL_MS = 500;

type DependencyEnd = JobStateRecord | 'deleted' | 'pending';

/** How a dependency stands now; `reconcileIt` checks that a non-terminal one is still backed. */
async function dependencyEnd(root: string, id: string, reconcileIt: ReconcileActions | undefined): Promise<DependencyEnd> {
  const dir = jobDir(root, id);
  try {
    let job = readJob(dir);
    if (!isTerminal(job.state.state) && reconcileIt !== undefined) job = await reconcile(job, reconcileIt);
    return isTerminal(job.state.state) ? job.state : 'pending';
  } catch (err) {
    // A passing read error is retried on the next round.
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

type Verdict = 'ok' | 'gone' | JobErrorInfo | { pending: string };

async function check(dir: string, after: Dependency[], reconcileDeps: ReconcileActions | undefined): Promise<Verdict> {
  const own = readState(dir);
  if (own.state !== 'queued') return 'gone';
  let pending: string | undefined;
  for (const dep of after) {
    const end = await dependencyEnd(dirname(dir), dep.job_id, reconcileDeps);
    if (end === 'pending') pending ??= dep.job_id;
    else if (dep.require_ok) {
      const why = notOk(dep.job_id, end);
      if (why !== undefined) return { code: 'dependency_failed', message: why };
    }
  }
  return pending === undefined ? 'ok' : { pending };
}

/** Resolves on a state change of any of the jobs in `dirs` (true) or after `ms` (false); close() ends it. */
function changeOrTimeout(dirs: string[], ms: number): { changed: Promise<boolean>; close: () => void } {
  let timer: NodeJS.Timeout | undefined;
  let wake: (changed: boolean) => void = () => undefined;
  const changed = new Promise<boolean>((resolve) => {
    wake = resolve;
    timer = setTimeout(() => resolve(false), ms);
  });
  // A missing state.json (a deleted dependency) or no inotify: the poll covers it.
  const watchers = dirs.map((d) => watchState(d, () => wake(true)));
  return { changed, close: () => { clearTimeout(timer); watchers.forEach((w) => w.close()); } };
}

/** Sets (or clears) this job's waiting_for while it is queued under this supervisor. */
async function setWaitingFor(dir: string, text: string | undefined): Promise<void> {
  await applyTransition(dir, (cur) => waitingFor(cur, text, process.pid));
}

/** 'ok' to go on; 'gone' when the job was killed meanwhile; an error when a dependency failed. */
export async function waitForDependencies(dir: string, meta: JobMeta, actions: ReconcileActions): Promise<'ok' | 'gone' | JobErrorInfo> {
  const after = meta.after ?? [];
  if (after.length === 0 || dependenciesMet(readState(dir))) return 'ok';
  const dirs = [dir, ...after.map((d) => jobDir(dirname(dir), d.job_id))];
  let reconcileDeps = true;
  let shown: string | undefined;
  for (;;) {
    // Armed before the check, so that a change during it wakes the next round.
    const wake = changeOrTimeout(dirs, POLL_MS);
    try {
      const verdict = await check(dir, after, reconcileDeps ? actions : undefined);
      if (verdict === 'gone') return verdict;
      if (verdict === 'ok' || !('pending' in verdict)) {
        if (shown !== undefined) await setWaitingFor(dir, undefined);
        return verdict;
      }
      const text = `job ${verdict.pending}`;
      if (text !== shown) {
        await setWaitingFor(dir, text);
        shown = text;
      }
      reconcileDeps = !(await wake.changed);
    } finally {
      wake.close();
    }
  }
}
