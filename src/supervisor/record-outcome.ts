// Recording a job's terminal state once its end was observed.
import { updateState } from '../store/jobs.js';
import type { JobStateRecord } from '../store/types.js';
import { log } from '../log.js';
import { terminalState, type ExitFacts } from './outcome.js';

/** Writes the terminal state, retrying a failed write: the exit code was observed, keep it. */
export async function recordOutcome<F extends ExitFacts>(dir: string, facts: F, terminal: (cur: JobStateRecord, facts: F) => JobStateRecord = terminalState): Promise<JobStateRecord> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await updateState(dir, (cur) => terminal(cur, facts));
    } catch (err) {
      if (attempt >= 5) throw err;
      log.warn(`recording the outcome failed (attempt ${attempt}): ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}

