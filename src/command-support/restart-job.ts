// Running a terminal job again in place (`jobctl restart`): same job id, attempt + 1, the ended
// attempt's logs, job.finished record and outcome kept as a retry keeps them.
// Invariants:
// - The state changes only through applyRestart (the lifecycle core's one way out of a
//   terminal state): a compare-and-set against the terminal state read here, so of two
//   restarts at once exactly one applies; the other answers invalid_state.
// - Nothing of the earlier attempt still runs: a job whose supervisor (or deliverer) is still
//   delivering job.finished, or whose lost process still runs, is refused (retryable while
//   delivering, after a short bounded wait for it to end).
// - A remote job's earlier attempt is removed from its executor by the winner only, after the
//   restart applied and before its supervisor hands the new attempt over.
import { JobError } from '../errors.js';
import { applyRestart, applyTransition } from '../job/apply.js';
import { fail } from '../job/transitions.js';
import { liveness } from '../job/reconcile.js';
import { isTerminalState, type TerminalState } from '../job/state.js';
import { keepRestartedAttempt } from '../store/attempt-files.js';
import { readJob } from '../store/jobs.js';
import type { JobRecord } from '../store/types.js';
import { deliverInBackground } from '../supervisor/start.js';
import { isSameLiveProcess, processStartTime } from '../util/proc.js';
import { nowIso } from '../util/time.js';
import { superviseQueued } from './launch.js';
import type { Context } from './types.js';

/** How long a restart waits for the earlier attempt's supervisor to finish delivering. */
const DELIVERY_WAIT_MS = 5_000;
const DELIVERY_POLL_MS = 50;

const delivering = (state: TerminalState): boolean =>
  liveness(state).supervisorAlive || isSameLiveProcess(state.deliverer_pid, state.deliverer_start_time);

const notTerminal = (state: string): JobError =>
  new JobError('invalid_state', `job is ${state}; only a terminal job (exited, killed, failed, lost) can be restarted`, { state });

/** The job once its earlier attempt's supervisor is done (or the wait is over). */
async function settled(job: JobRecord): Promise<JobRecord> {
  const until = Date.now() + DELIVERY_WAIT_MS;
  let current = job;
  while (isTerminalState(current.state) && delivering(current.state) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, DELIVERY_POLL_MS));
    current = readJob(job.dir);
  }
  return current;
}

/** Removes what the earlier attempt left on its executor; an error message when it could not. */
async function cleanUpEarlierAttempt(job: JobRecord): Promise<string | undefined> {
  if (job.meta.executor_def === undefined || job.state.remote === undefined) return undefined;
  const { cleanupRemote } = await import('../executors/cleanup.js');
  const result = await cleanupRemote(job);
  return result === undefined || result.ok ? undefined : result.error ?? 'unknown error';
}

/**
 * Restarts the job and starts its supervisor. `refuse` says why a terminal job may not run
 * again now (its lost process still runs, ...), checked under the lock.
 */
export async function restartJob(ctx: Context, loaded: JobRecord, refuse: (state: TerminalState) => JobError | undefined): Promise<void> {
  // A broken config must fail the restart before the job changes.
  ctx.config();
  const job = await settled(loaded);
  if (!isTerminalState(job.state)) throw notTerminal(job.state.state);
  const read = job.state;
  const { state, applied } = await applyRestart(job.dir, {
    read,
    launcher: { pid: process.pid, startTime: processStartTime(process.pid) },
    keepAttempt: (attempt) => keepRestartedAttempt(job.dir, attempt),
    refuse,
    now: nowIso(),
  });
  if (!applied) throw notTerminal(state.state);
  const cleanupError = await cleanUpEarlierAttempt(job);
  if (cleanupError !== undefined) {
    const message = `cannot remove the earlier attempt from its executor: ${cleanupError}`;
    await applyTransition(job.dir, (cur) => fail(cur, { code: 'executor_unavailable', message }, nowIso(), deliverInBackground(job.dir, ctx.supervisorConfig())));
    return;
  }
  await superviseQueued(ctx, job.dir);
}
