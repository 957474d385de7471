// The delay before a retry (--retry-delay): the job stays `queued` with
// `waiting_for: "retry at <time>"` until `retry_at`. Invariants: a kill meanwhile (the state
// leaves `queued`) ends the wait at once and nothing more is started; the wait is over only
// once retry_at and that waiting_for are cleared, by this job's own supervisor.
import { readState, updateState } from '../store/jobs.js';
import { waitForJob } from '../store/wait.js';
import type { JobStateRecord } from '../store/types.js';

const mine = (state: JobStateRecord): boolean => state.state === 'queued' && (state.supervisor_pid ?? process.pid) === process.pid;

/** True when the job may go on to its gate; false when it was killed (or taken over) meanwhile. */
export async function waitForRetryTime(dir: string): Promise<boolean> {
  const state = readState(dir);
  if (!mine(state)) return false;
  if (state.retry_at === undefined) return true;
  const remaining = Date.parse(state.retry_at) - Date.now();
  if (remaining > 0) {
    const { job } = await waitForJob(dir, (j) => j.state.state !== 'queued', remaining);
    if (!mine(job.state)) return false;
  }
  const after = await updateState(dir, (cur) => {
    if (!mine(cur)) return undefined;
    const next: JobStateRecord = { ...cur };
    delete next.retry_at;
    if (next.waiting_for?.startsWith('retry at ') === true) delete next.waiting_for;
    return next;
  });
  return mine(after) && after.retry_at === undefined;
}
