// The delay before a retry (--retry-delay): the job stays `queued` with
// `waiting_for: "retry at <time>"` until `retry_at`. Invariants: a kill meanwhile (the state
// leaves `queued`) ends the wait at once and nothing more is started; the wait is over only
// once retry_at and that waiting_for are cleared, by this job's own supervisor.
import { readState } from '../store/jobs.js';
import { waitForJob } from '../job/wait-for-job.js';
import { applyTransition } from '../job/apply.js';
import { clearRetryWait } from '../job/annotations.js';
import { ownedBy } from '../job/transitions.js';
import type { ReconcileActions } from '../job/reconcile.js';
import type { JobStateRecord } from '../job/state.js';

const mine = (state: JobStateRecord): boolean => state.state === 'queued' && ownedBy(state, process.pid);

/** True when the job may go on to its gate; false when it was killed (or taken over) meanwhile. */
export async function waitForRetryTime(dir: string, actions: ReconcileActions): Promise<boolean> {
  const state = readState(dir);
  if (!mine(state)) return false;
  if (state.retry_at === undefined) return true;
  const remaining = Date.parse(state.retry_at) - Date.now();
  if (remaining > 0) {
    const { job } = await waitForJob(dir, (j) => j.state.state !== 'queued', remaining, 500, actions);
    if (!mine(job.state)) return false;
  }
  const after = await applyTransition(dir, (cur) => clearRetryWait(cur, process.pid));
  return mine(after) && after.retry_at === undefined;
}
