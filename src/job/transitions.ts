// The moves of a job through its lifecycle, as pure functions of the current state: each returns
// the next state, or undefined when the move does not apply to the current one (the caller then
// leaves the state as it is). Nothing here reads a file or the clock: times and process
// identities are arguments. apply.ts writes what these return; no other code builds a state.
// Invariants: a terminal state is never left (every function returns undefined for one) —
// except by `restart`, the one documented exception, which apply.ts applies only through
// applyRestart (a compare-and-set against the terminal state its caller read); a
// job's process fields appear only with `running`; the fields of waiting leave with `queued`.
import type {
  FailedState, JobErrorInfo, JobStateRecord, KilledState, KillRequest, LiveState, LostState, QueuedState, RemoteIdentity, RunningState, TerminalState,
} from './state.js';
import { isTerminalState } from './state.js';
import { restartAttempt } from './attempts.js';

/** A process as recorded in state.json: its pid and the start time read from /proc. */
export interface ProcessIdentity {
  pid: number;
  startTime: string;
}

/** The supervisor taking a job: its identity (no start time without /proc) and this boot's id. */
export interface SupervisorIdentity {
  pid: number;
  startTime: string | undefined;
  bootId: string;
}

export const live = (cur: JobStateRecord): cur is LiveState => !isTerminalState(cur);

/**
 * True when the process `pid` is, or may become, the job's supervisor: none is recorded yet
 * (a launcher records it right after starting it), or it is that one.
 */
export const ownedBy = (cur: JobStateRecord, pid: number): boolean => (cur.supervisor_pid ?? pid) === pid;

/** Drops the fields of waiting, for a queued job that moves on. */
function leaveQueue(cur: QueuedState): Omit<QueuedState, 'state' | 'waiting_for' | 'retry_at' | 'parked'> {
  const rest: Omit<QueuedState, 'state'> & { state?: unknown } = { ...cur };
  delete rest.state;
  delete rest.waiting_for;
  delete rest.retry_at;
  delete rest.parked;
  return rest;
}

/** created → queued: `start` (or `run`) claims the job; the launcher's identity is recorded. */
export function claim(cur: JobStateRecord, launcher: { pid: number; startTime: string | undefined }, now: string): QueuedState | undefined {
  if (cur.state !== 'created') return undefined;
  return { ...cur, state: 'queued', queued_at: now, launcher_pid: launcher.pid, launcher_start_time: launcher.startTime };
}

/**
 * created → queued, parked: the launcher leaves the job waiting as a record (no supervisor yet);
 * `waitingFor` says for what.
 */
export function claimParked(cur: JobStateRecord, launcher: { pid: number; startTime: string | undefined }, now: string, waitingFor: string): QueuedState | undefined {
  const claimed = claim(cur, launcher, now);
  return claimed === undefined ? undefined : { ...claimed, parked: true, waiting_for: waitingFor };
}

/**
 * A queued job's supervisor (`pid`) stops waiting in person: the job waits as a record
 * (`waitingFor`; a retry keeps its retry_at), backed by no process, whatever boot it waits across.
 */
export function park(cur: JobStateRecord, waitingFor: string, pid: number): QueuedState | undefined {
  if (cur.state !== 'queued' || cur.remote !== undefined || !ownedBy(cur, pid)) return undefined;
  const next: QueuedState = { ...cur, parked: true, waiting_for: waitingFor };
  delete next.supervisor_pid;
  delete next.supervisor_start_time;
  delete next.boot_id;
  return next;
}

/** Moves a parked job to another line: only why it waits changes. */
export function parkedWaitingFor(cur: JobStateRecord, waitingFor: string): QueuedState | undefined {
  if (cur.state !== 'queued' || cur.parked !== true || cur.waiting_for === waitingFor) return undefined;
  return { ...cur, waiting_for: waitingFor };
}

/** A parked job is handed to the supervisor started for it: its wait is over (retry time included). */
export function unpark(cur: JobStateRecord, supervisor: ProcessIdentity, bootId: string): QueuedState | undefined {
  if (cur.state !== 'queued' || cur.parked !== true) return undefined;
  const next: QueuedState = { ...cur, supervisor_pid: supervisor.pid, supervisor_start_time: supervisor.startTime, boot_id: bootId };
  delete next.parked;
  delete next.waiting_for;
  delete next.retry_at;
  return next;
}

/** Records the supervisor the launcher started, unless one claimed the job already. */
export function assignSupervisor(cur: JobStateRecord, supervisor: ProcessIdentity): QueuedState | undefined {
  if (cur.state !== 'queued' || cur.supervisor_pid !== undefined) return undefined;
  return { ...cur, supervisor_pid: supervisor.pid, supervisor_start_time: supervisor.startTime };
}

/** A supervisor takes the job it owns: records its own identity (running only for a remote re-attach). */
export function adopt<S extends JobStateRecord>(cur: S, self: SupervisorIdentity): S | undefined {
  if (!live(cur) || !ownedBy(cur, self.pid)) return undefined;
  return { ...cur, supervisor_pid: self.pid, supervisor_start_time: self.startTime, boot_id: self.bootId };
}

/** queued → running: the job's process started (`pid` is absent for a remote job). */
export function start(cur: JobStateRecord, run: { startedAt: string; pid?: number; pidStartTime?: string }): RunningState | undefined {
  if (cur.state !== 'queued') return undefined;
  const next: RunningState = { ...leaveQueue(cur), state: 'running', started_at: run.startedAt };
  if (run.pid !== undefined) next.pid = run.pid;
  if (run.pidStartTime !== undefined) next.pid_start_time = run.pidStartTime;
  return next;
}

/** created | queued | running → failed: the job could not run, or its executor failed it. */
export function fail(cur: JobStateRecord, error: JobErrorInfo, now: string, extra: Partial<Pick<FailedState, 'deliverer_pid' | 'deliverer_start_time'>> = {}): FailedState | undefined {
  if (!live(cur)) return undefined;
  const base = cur.state === 'queued' ? leaveQueue(cur) : cur;
  return { ...base, ...extra, state: 'failed', error, finished_at: now };
}

/** queued → killed: a kill before anything started (nothing to signal). */
export function killQueued(cur: JobStateRecord, signal: string, now: string, extra: Partial<Pick<KilledState, 'deliverer_pid' | 'deliverer_start_time'>> = {}): KilledState | undefined {
  if (cur.state !== 'queued') return undefined;
  return { ...leaveQueue(cur), ...extra, state: 'killed', signal, finished_at: now };
}

/** Records a kill request on a running job, or on a remote job still pending on its executor. */
export function requestKill<S extends JobStateRecord>(cur: S, request: KillRequest): S | undefined {
  if (cur.state !== 'running' && !(cur.state === 'queued' && cur.remote !== undefined)) return undefined;
  return { ...cur, kill_request: request };
}

/** queued | running → lost: nothing backs the job any more; nobody saw how it ended. */
export function lose(cur: JobStateRecord, reason: string, now: string, durationMs: number | undefined): LostState | undefined {
  if (cur.state !== 'queued' && cur.state !== 'running') return undefined;
  const base = cur.state === 'queued' ? leaveQueue(cur) : cur;
  const next: LostState = { ...base, state: 'lost', lost_reason: reason, finished_at: now };
  if (durationMs !== undefined) next.duration_ms = durationMs;
  return next;
}

/**
 * A new supervisor for a remote job whose supervisor died (counted: it is not done for ever).
 * It runs on this boot: a job re-attached after a reboot is backed by it at once.
 */
export function reattach<S extends JobStateRecord>(cur: S, supervisor: ProcessIdentity, bootId: string): S | undefined {
  if (cur.state !== 'queued' && cur.state !== 'running') return undefined;
  return { ...cur, supervisor_pid: supervisor.pid, supervisor_start_time: supervisor.startTime, boot_id: bootId, reattach_count: (cur.reattach_count ?? 0) + 1 };
}

/** Records where a remote job is about to go (submitting) or is (its identity on the executor). */
export function recordRemote<S extends JobStateRecord>(cur: S, remote: RemoteIdentity): S | undefined {
  if (!live(cur)) return undefined;
  return { ...cur, remote };
}

/** The terminal state replaces a live one; undefined when the job had ended already. */
export function end<T extends TerminalState>(cur: JobStateRecord, ended: T): T | undefined {
  return live(cur) ? ended : undefined;
}

/** True while `cur` is the terminal state `read` (the compare of restart's compare-and-set). */
export const stillAsRead = (cur: JobStateRecord, read: TerminalState): cur is TerminalState =>
  isTerminalState(cur) && cur.state === read.state && cur.updated_at === read.updated_at;

/**
 * terminal → queued: `jobctl restart` runs the job again in place (attempt + 1, the ended
 * attempt recorded, its logs kept as `keptLogs` names them). Compare-and-set: applies only
 * while the job is still the terminal state `read` (same state, same updated_at), so of two
 * restarts of one job exactly one applies.
 */
export function restart(cur: JobStateRecord, read: TerminalState, launcher: { pid: number; startTime: string | undefined }, keptLogs: () => { stdout: string; stderr: string }, now: string): QueuedState | undefined {
  if (!stillAsRead(cur, read)) return undefined;
  return restartAttempt(cur, launcher, keptLogs(), now);
}
