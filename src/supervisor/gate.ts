// What a queued job needs before its supervisor starts it: its retry time, its dependencies
// (--after, --after-ok), and a slot in each of its limits (queue, executor, agent session).
// Nothing here waits: a job that must wait is parked (park.ts) — a record in a line of the
// store, with no process — and this supervisor exits; the dispatcher (dispatch.ts) starts a new
// one when the job's turn comes, with its slots already recorded for it.
// Invariants:
// - A supervisor runs a job only holding a slot of each of its limits in its own name (granted by
//   the dispatcher, or taken by itself through the dispatcher: the same FIFO pass as any waiter).
// - A retry's delay and the dependencies are checked here again before anything starts.
import { dirname } from 'node:path';
import type { JobMeta } from '../store/types.js';
import type { JobErrorInfo } from '../job/state.js';
import type { ReconcileActions } from '../job/reconcile.js';
import type { Config } from '../config.js';
import { readState } from '../store/jobs.js';
import { jobLimits, type Limit } from '../store/slot-limits.js';
import { lineLabel, type Line } from '../store/waiting-lines.js';
import { holdsSlots, releaseSlots, retakeSlots } from '../store/slot-tickets.js';
import { applyTransition } from '../job/apply.js';
import { clearRetryWait } from '../job/annotations.js';
import { ownedBy } from '../job/transitions.js';
import { processStartTime } from '../util/proc.js';
import { log } from '../log.js';
import { dependencyVerdict, waitingForJob } from './dependencies.js';
import { parkSelf } from './park.js';

export type GateResult =
  | { go: true; release: () => void }
  /** Not to be started by this process: killed meanwhile, parked (failure absent), or a dependency failed. */
  | { go: false; failure?: JobErrorInfo };

/** Asks the dispatcher for the job's turn, this process taking it if it comes at once. */
export type AskTurn = (jobId: string) => Promise<void>;

/**
 * Decides whether the job may start now. `resumed`: the job already runs on a remote executor
 * (a re-attached supervisor), so it takes its slots back without waiting.
 */
export async function passGate(dir: string, meta: JobMeta, config: Config | undefined, resumed: boolean, actions: ReconcileActions, askTurn: AskTurn): Promise<GateResult> {
  const root = dirname(dir);
  const limits = jobLimits(meta, config);
  const release = (): void => releaseSlots(root, limits, meta.job_id);
  if (resumed) {
    // The job runs already: it is followed even if its slots cannot be recorded.
    const startTime = processStartTime(process.pid);
    if (startTime !== undefined) await retakeSlots(root, limits, { jobId: meta.job_id, pid: process.pid, startTime }).catch((err: unknown) => log.warn(`slots not recorded: ${(err as Error).message}`));
    return { go: true, release };
  }
  let state = readState(dir);
  if (state.state !== 'queued' || !ownedBy(state, process.pid)) return { go: false };
  if (state.retry_at !== undefined && Date.parse(state.retry_at) <= Date.now()) state = await applyTransition(dir, (cur) => clearRetryWait(cur, process.pid));
  const verdict = await dependencyVerdict(root, meta, state, actions);
  if (verdict !== 'ok' && !('pending' in verdict)) return { go: false, failure: verdict };
  if (state.retry_at === undefined && verdict === 'ok' && (limits.length === 0 || holdsSlots(root, limits, meta.job_id, process.pid))) return { go: true, release };
  // It must wait: as a record. The dispatcher may hand it straight back to this process.
  const first = limits[0] as Limit;
  const where: { line: Line; label: string } =
    state.retry_at !== undefined ? { line: 'retry', label: `retry at ${state.retry_at}` } : verdict !== 'ok' ? { line: 'after', label: waitingForJob(verdict.pending) } : { line: first, label: lineLabel(first) };
  const parked = await parkSelf(dir, where.line, where.label);
  if (parked.state !== 'queued' || parked.parked !== true) return { go: false };
  await askTurn(meta.job_id);
  const now = readState(dir);
  const mine = now.state === 'queued' && now.parked !== true && now.supervisor_pid === process.pid;
  return mine && holdsSlots(root, limits, meta.job_id, process.pid) ? { go: true, release } : { go: false };
}
