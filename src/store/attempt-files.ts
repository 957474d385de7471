// The files of a restarted job's ended attempt, set aside under the job lock in the locked
// change that records the restart (job/apply.ts applyRestart): its logs (as a retry keeps them,
// job-logs.ts keepAttemptLogs), its job.finished record and an agent's activity record, each
// renamed to NAME.attempt-N.EXT, so that the next attempt starts with empty logs, delivers its
// own job.finished and keeps its own activity.
// Invariant: idempotent — a file already set aside for attempt N is never overwritten.
import { existsSync, renameSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { jobFiles } from './jobs.js';
import { keepAttemptLogs } from './job-logs.js';
import type { StreamName } from './types.js';

/** `dir/name.attempt-N.ext` for `dir/name.ext`. */
export function attemptPath(path: string, attempt: number): string {
  const ext = extname(path);
  return join(dirname(path), `${basename(path, ext)}.attempt-${attempt}${ext}`);
}

/** Sets the ended attempt's files aside; returns where its logs were kept. */
export function keepRestartedAttempt(dir: string, attempt: number): Record<StreamName, string> {
  const files = jobFiles(dir);
  for (const path of [files.completion, files.agent]) {
    const kept = attemptPath(path, attempt);
    if (existsSync(path) && !existsSync(kept)) renameSync(path, kept);
  }
  return keepAttemptLogs(dir, attempt);
}
