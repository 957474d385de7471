// Applying a lifecycle transition: the one path by which a job's state changes. The decision
// (`decide`) runs under the job lock with the current state and returns what a transition
// function built (transitions.ts, outcome.ts, attempts.ts, annotations.ts), or undefined to
// leave the state alone; the store writes it (store/state-file.ts); then transitionApplied()
// sees every change once — the single hook point for whatever follows a transition.
// Invariants:
// - A terminal state is final: `decide` is not even asked for one, whoever asks.
// - A decision is only ever written over the state it was made on (the store's compare-and-set).
//   When that state was replaced meanwhile (this process stalled and lost its lock), nothing is
//   written and `decide` is asked again with the state now recorded — up to MAX_ROUNDS times.
//   A decision with side effects (starting a process) must undo them when asked again.
import { changeStateFile, LockLost } from '../store/state-file.js';
import { log } from '../log.js';
import { isTerminalState, type JobStateRecord } from './state.js';

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

/** Reads the state under the job lock (waits for a writer holding it, changes nothing). */
export async function readStateLocked(dir: string): Promise<JobStateRecord> {
  return (await changeStateFile(dir, () => undefined)).after;
}

/** Called once after every applied transition, with the state before and after. */
function transitionApplied(dir: string, before: JobStateRecord, after: JobStateRecord): void {
  if (before.state !== after.state) log.debug(`job ${dir}: ${before.state} → ${after.state}`);
}
