// A job's logs: stdout.log and stderr.log (appended by the job's process through descriptors,
// or by a remote job's supervisor by byte offset), the logs kept of earlier attempts, and
// supervisor.log. Invariant: logs only grow, except when cut back to max_log_bytes at the end
// (truncateLog) or set aside for a retry (keepAttemptLogs, under the job lock). Every open goes
// through safe-open.ts: a log planted as a symlink or FIFO is an io_error, never followed.
import { closeSync, existsSync, ftruncateSync, fstatSync, renameSync, writeSync } from 'node:fs';
import { openForAppend } from './safe-open.js';
import { join } from 'node:path';
import { writeJsonAtomic } from './atomic.js';
import { jobFiles, readMeta } from './jobs.js';
import { readLogFrom } from './log-range.js';
import type { JobMeta, StreamName } from './types.js';

/** Opens supervisor.log for appending: a starting supervisor's stderr. */
export function openSupervisorLog(dir: string): number {
  return openForAppend(jobFiles(dir).supervisorLog);
}

/** False once the job's directory (or its state) was removed: by hand, or with its root. */
export const jobStillExists = (dir: string): boolean => existsSync(jobFiles(dir).state);

/**
 * Whether the current attempt's logs exist. A local job's are created only right before its
 * process is spawned (openJobLogs; an earlier attempt's are set aside), so false means no process
 * was ever started for this attempt.
 */
export function attemptLogsExist(dir: string): boolean {
  const files = jobFiles(dir);
  return existsSync(files.stdout) || existsSync(files.stderr);
}

/** Opens stdout.log and stderr.log for appending: the descriptors the job's process writes to. */
export function openJobLogs(dir: string): [number, number] {
  const files = jobFiles(dir);
  const stdout = openForAppend(files.stdout);
  try {
    return [stdout, openForAppend(files.stderr)];
  } catch (err) {
    closeSync(stdout);
    throw err;
  }
}

/** Appends bytes a remote job printed to its local log (the log's size is the resume offset). */
export function appendLog(dir: string, stream: 'stdout' | 'stderr', bytes: Buffer): void {
  if (bytes.length === 0) return;
  const fd = openForAppend(jobFiles(dir)[stream]);
  try {
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
  } finally {
    closeSync(fd);
  }
}

/**
 * Keeps the logs of a finished attempt of a retried job as stdout.attempt-N.log and
 * stderr.attempt-N.log, starts empty logs for the next attempt, and restarts output matching at
 * their first byte. Called under the job lock with the state change recording the retry;
 * idempotent, so a retried write never moves the new (empty) logs over the kept ones.
 */
export function keepAttemptLogs(dir: string, attempt: number): Record<StreamName, string> {
  const files = jobFiles(dir);
  const kept = { stdout: join(dir, `stdout.attempt-${attempt}.log`), stderr: join(dir, `stderr.attempt-${attempt}.log`) };
  for (const stream of ['stdout', 'stderr'] as const) {
    if (!existsSync(kept[stream])) {
      if (existsSync(files[stream])) renameSync(files[stream], kept[stream]);
      else closeSync(openForAppend(kept[stream]));
    }
    closeSync(openForAppend(files[stream]));
  }
  const meta = readMeta(dir);
  const match = meta.notification.on_output_match;
  if (match !== undefined && (match.since.stdout !== 0 || match.since.stderr !== 0)) {
    writeJsonAtomic(files.meta, { ...meta, notification: { ...meta.notification, on_output_match: { ...match, since: { stdout: 0, stderr: 0 } } } } satisfies JobMeta);
  }
  return kept;
}

/** Creates both (empty) logs if missing, so a remote job has them before any output arrives. */
export function ensureLogs(dir: string): void {
  for (const path of [jobFiles(dir).stdout, jobFiles(dir).stderr]) closeSync(openForAppend(path));
}

/** Cuts a log back to `maxBytes`; true when it was longer. */
export function truncateLog(dir: string, stream: StreamName, maxBytes: number): boolean {
  const fd = openForAppend(jobFiles(dir)[stream]);
  try {
    if (fstatSync(fd).size <= maxBytes) return false;
    ftruncateSync(fd, maxBytes);
    return true;
  } finally {
    closeSync(fd);
  }
}

/** True when the byte before `offset` of a log is a newline (a line ended there). */
export function logEndsLineAt(path: string, offset: number): boolean {
  return offset > 0 && readLogFrom(path, offset - 1, 1)[0] === 0x0a;
}
