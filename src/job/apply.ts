// Applying a lifecycle transition: the one path by which a job's state changes. The decision
// (`decide`) runs under the job lock with the current state and returns what a transition
// function built (transitions.ts, outcome.ts, attempts.ts, annotations.ts), or undefined to
// leave the state alone; the store writes it (store/state-file.ts); then transitionApplied()
// sees every change once — the single hook point for whatever follows a transition.
// Invariant: a terminal state is final: `decide` is not even asked for one.
import { changeStateFile } from '../store/state-file.js';
import { log } from '../log.js';
import { isTerminalState, type JobStateRecord } from './state.js';

export type Decision = (current: JobStateRecord) => JobStateRecord | undefined | Promise<JobStateRecord | undefined>;

/** Applies `decide` under the job lock; returns the state now recorded. */
export async function applyTransition(dir: string, decide: Decision): Promise<JobStateRecord> {
  const change = await changeStateFile(dir, (current) => (isTerminalState(current) ? undefined : decide(current)));
  if (change.written) transitionApplied(dir, change.before, change.after);
  return change.after;
}

/** Reads the state under the job lock (waits for a writer holding it, changes nothing). */
export async function readStateLocked(dir: string): Promise<JobStateRecord> {
  return (await changeStateFile(dir, () => undefined)).after;
}

/** Called once after every applied transition, with the state before and after. */
function transitionApplied(dir: string, before: JobStateRecord, after: JobStateRecord): void {
  if (before.state !== after.state) log.debug(`job ${dir}: ${before.state} → ${after.state}`);
}
