// --progress-every: a heartbeat with the log sizes written into state.json while the job runs.
import { fileSize, jobFiles, updateState } from '../store/jobs.js';
import type { JobMeta } from '../store/types.js';
import { nowIso } from '../util/time.js';
import { safeInterval } from '../util/timers.js';

/** Starts the heartbeat if the job asked for one; returns the function that stops it. */
export function startHeartbeat(dir: string, meta: JobMeta): () => void {
  if (!meta.progress_every_ms) return () => undefined;
  const files = jobFiles(dir);
  const timer = setInterval(() => {
    void updateState(dir, (cur) => ({
      ...cur,
      progress: { stdout_bytes: fileSize(files.stdout), stderr_bytes: fileSize(files.stderr), at: nowIso() },
    })).catch(() => undefined);
  }, safeInterval(Math.max(100, meta.progress_every_ms)));
  return () => clearInterval(timer);
}
