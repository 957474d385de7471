// Applying a lifecycle transition: the one path by which a job's state changes. The decision
// (`decide`) runs under the job lock with the current state and returns what a transition
// function built (transitions.ts, outcome.ts, attempts.ts, annotations.ts), or undefined to
// leave the state alone; the store writes it (store/state-file.ts); then transitionApplied()
// sees every change once — the single hook point for whatever follows a transition: it appends
// the transition's events to the root's event log (job/events.ts), after the state is written.
// Invariants:
// - A terminal state is final: `decide` is not even asked for one, whoever asks. The one
//   exception is applyRestart, which leaves a terminal state only by the `restart` transition.
// - A decision is only ever written over the state it was made on (the store's compare-and-set).
//   When that state was replaced meanwhile (this process stalled and lost its lock), nothing is
//   written and `decide` is asked again with the state now recorded — up to MAX_ROUNDS times.
//   A decision with side effects (starting a process) must undo them when asked again.
import { changeStateFile, LockLost } from '../store/state-file.js';
import { log } from '../log.js';
import { isTerminalState, type JobStateRecord, type TerminalState } from './state.js';
import { restart, stillAsRead } from './transitions.js';
import { eventsOfTransition, recordJobEvents } from './events.js';

export type Decision = (current: JobStateRecord) => JobStateRecord | undefined | Promise<JobStateRecord | undefined>;

const MAX_ROUNDS = 3;

/** Applies `decide` under the job lock; returns the state now recorded. */
export async function applyTransition(dir: string, decide: Decision): Promise<JobStateRecord> {
  for (let round = 1; ; round++) {
    try {
      const change = await changeStateFile(dir, (current) => (isTerminalState(current) ? undefined : decide(current)));
      if (change.written) transitionApplied(dir, change.before, change.after);
      return change.after;
    } catch (err) {
      if (!(err instanceof LockLost) || round >= MAX_ROUNDS) throw err;
      log.warn(`job ${dir}: ${err.message}; deciding again on the state now recorded`);
    }
  }
}

export interface RestartRequest {
  /** The terminal state the caller read: the restart applies only if it is still the current one. */
  read: TerminalState;
  launcher: { pid: number; startTime: string | undefined };
  /** Under the lock, once the restart is decided: keeps the ended attempt's files, names its logs. */
  keepAttempt: (attempt: number) => { stdout: string; stderr: string };
  /** Under the lock: a reason the job may not restart now (its supervisor still delivering), or undefined. */
  refuse?: (current: TerminalState) => Error | undefined;
  now: string;
}

/**
 * The one way out of a terminal state: the `restart` transition, applied under the job lock as a
 * compare-and-set against `request.read`. Returns the state now recorded and whether it applied.
 */
export async function applyRestart(dir: string, request: RestartRequest): Promise<{ state: JobStateRecord; applied: boolean }> {
  const change = await changeStateFile(dir, (current) => {
    if (!stillAsRead(current, request.read)) return undefined;
    const refused = request.refuse?.(current);
    if (refused !== undefined) throw refused;
    return restart(current, request.read, request.launcher, () => request.keepAttempt(current.attempt ?? 1), request.now);
  });
  if (change.written) transitionApplied(dir, change.before, change.after);
  return { state: change.after, applied: change.written };
}

/** Reads the state under the job lock (waits for a writer holding it, changes nothing). */
export async function readStateLocked(dir: string): Promise<JobStateRecord> {
  return (await changeStateFile(dir, () => undefined)).after;
}

/** Called once after every applied transition, with the state before and after. */
function transitionApplied(dir: string, before: JobStateRecord, after: JobStateRecord): void {
  if (before.state !== after.state) log.debug(`job ${dir}: ${before.state} → ${after.state}`);
  recordJobEvents(dir, eventsOfTransition(before, after));
}
