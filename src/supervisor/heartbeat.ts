// --progress-every: a heartbeat with the log sizes written into state.json while the job runs.
// Invariant: a local attempt's heartbeat (`pid` given) writes only while that attempt runs
// (state running, same pid): a tick landing after it ended never touches the next attempt or a
// terminal state. A remote job (no local pid, no retries) writes while it runs.
import { fileSize, jobFiles } from '../store/jobs.js';
import type { JobMeta } from '../store/types.js';
import { applyTransition } from '../job/apply.js';
import { recordProgress } from '../job/annotations.js';
import { nowIso } from '../util/time.js';
import { safeInterval } from '../util/timers.js';

/** Starts the heartbeat if the job asked for one; returns the function that stops it. */
export function startHeartbeat(dir: string, meta: JobMeta, pid?: number): () => void {
  if (!meta.progress_every_ms) return () => undefined;
  const files = jobFiles(dir);
  const timer = setInterval(() => {
    void applyTransition(dir, (cur) => recordProgress(cur, { stdout_bytes: fileSize(files.stdout), stderr_bytes: fileSize(files.stderr), at: nowIso() }, pid)).catch(() => undefined);
  }, safeInterval(Math.max(100, meta.progress_every_ms)));
  return () => clearInterval(timer);
}
