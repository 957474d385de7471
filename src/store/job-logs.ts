// A job's logs: stdout.log and stderr.log (appended by the job's process through descriptors,
// or by a remote job's supervisor by byte offset), the logs kept of earlier attempts, and
// supervisor.log. Invariant: logs only grow, except when cut back to max_log_bytes at the end
// (truncateLog) or set aside for a retry (keepAttemptLogs, under the job lock).
import { closeSync, existsSync, openSync, renameSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from './atomic.js';
import { fileSize, jobFiles, readMeta } from './jobs.js';
import { readLogFrom } from './log-range.js';
import type { JobMeta, StreamName } from './types.js';

/** Opens supervisor.log for appending: a starting supervisor's stderr. */
export function openSupervisorLog(dir: string): number {
  return openSync(jobFiles(dir).supervisorLog, 'a', 0o600);
}

/** Opens stdout.log and stderr.log for appending: the descriptors the job's process writes to. */
export function openJobLogs(dir: string): [number, number] {
  const files = jobFiles(dir);
  const stdout = openSync(files.stdout, 'a', 0o600);
  try {
    return [stdout, openSync(files.stderr, 'a', 0o600)];
  } catch (err) {
    closeSync(stdout);
    throw err;
  }
}

/** Appends bytes a remote job printed to its local log (the log's size is the resume offset). */
export function appendLog(dir: string, stream: 'stdout' | 'stderr', bytes: Buffer): void {
  if (bytes.length === 0) return;
  const fd = openSync(jobFiles(dir)[stream], 'a', 0o600);
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
      else closeSync(openSync(kept[stream], 'a', 0o600));
    }
    closeSync(openSync(files[stream], 'a', 0o600));
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
  for (const path of [jobFiles(dir).stdout, jobFiles(dir).stderr]) closeSync(openSync(path, 'a', 0o600));
}

/** Cuts a log back to `maxBytes`; true when it was longer. */
export function truncateLog(dir: string, stream: StreamName, maxBytes: number): boolean {
  const path = jobFiles(dir)[stream];
  if (fileSize(path) <= maxBytes) return false;
  truncateSync(path, maxBytes);
  return true;
}

/** True when the byte before `offset` of a log is a newline (a line ended there). */
export function logEndsLineAt(path: string, offset: number): boolean {
  return offset > 0 && readLogFrom(path, offset - 1, 1)[0] === 0x0a;
}
