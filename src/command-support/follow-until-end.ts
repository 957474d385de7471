// The loop of a streaming `--follow`: one pass now, then one whenever the job's state.json is
// replaced or INTERVAL passes, until a pass over a terminal job (which reads everything to the
// end) or a closed stdout.
import { readJob } from '../store/jobs.js';
import { watchState } from '../store/state-watch.js';
import { reconcile, type ReconcileActions } from '../job/reconcile.js';
import { type JobRecord } from '../store/types.js';
import { isTerminal } from '../job/state.js';
import { registerJobSecrets } from './load-job.js';

/**
 * `pass(job, terminal)` prints what is new; it returns false once stdout is closed. The state is
 * read before the pass, so a pass that sees a terminal state reads output complete.
 */
export async function followUntilTerminal(job: JobRecord, intervalMs: number, actions: ReconcileActions, pass: (job: JobRecord, terminal: boolean) => boolean): Promise<void> {
  let wake: (() => void) | undefined;
  const watcher = watchState(job.dir, () => wake?.());
  try {
    for (;;) {
      const current = await reconcile(readJob(job.dir), actions);
      if (current.state.state !== job.state.state) registerJobSecrets(current); // masked env-file keys
      job = current;
      const terminal = isTerminal(job.state.state);
      if (!pass(job, terminal) || terminal) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => { wake = undefined; resolve(); }, intervalMs);
        wake = () => { clearTimeout(timer); wake = undefined; resolve(); };
      });
      watcher.rearm();
    }
  } finally {
    watcher.close();
  }
}

/** The final line of a follow: how the job ended. */
export function endFields(job: JobRecord): Record<string, unknown> {
  const s = job.state;
  return {
    job_id: job.meta.job_id,
    state: s.state,
    ...(s.exit_code !== undefined ? { exit_code: s.exit_code } : {}),
    ...(s.signal !== undefined ? { signal: s.signal } : {}),
    timed_out: s.timed_out === true,
    ...(s.finished_at !== undefined ? { finished_at: s.finished_at } : {}),
    ...(s.error !== undefined ? { error: s.error } : {}),
  };
}
