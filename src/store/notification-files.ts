// The notification records of a job: completion_event.json (job.finished and its delivery
// attempts, written once: claimCompletion), notification_events.ndjson (output-match events) and
// the event file a notify command reads.
import { closeSync, existsSync, writeSync } from 'node:fs';
import { openForAppend } from './safe-open.js';
import { writeJsonAtomic } from './atomic.js';
import { withJobLock } from './lock.js';
import { withReserve } from './reserve.js';
import { jobFiles } from './jobs.js';

/**
 * Claims the delivery of job.finished: writes the first completion_event.json under the job
 * lock unless one exists. False when another process has claimed it (delivered once only).
 */
export async function claimCompletion(dir: string, record: Record<string, unknown>): Promise<boolean> {
  return withJobLock(dir, () => {
    if (existsSync(jobFiles(dir).completion)) return false;
    writeCompletionEvent(dir, record);
    return true;
  });
}

/** completion_event.json: the job.finished event and every delivery attempt. */
export function writeCompletionEvent(dir: string, record: Record<string, unknown>): void {
  withReserve(dir, () => writeJsonAtomic(jobFiles(dir).completion, record));
}

/** The event file a notify command can read through JOBCTL_EVENT_PATH. */
export function writeEventScratch(dir: string, event: Record<string, unknown>): string {
  const path = jobFiles(dir).outputEventScratch;
  writeJsonAtomic(path, event);
  return path;
}

/** notification_events.ndjson: one line per output-match event with its delivery attempts. */
export function appendOutputEvent(dir: string, record: Record<string, unknown>): void {
  const fd = openForAppend(jobFiles(dir).outputEvents);
  try {
    writeSync(fd, JSON.stringify(record) + '\n');
  } finally {
    closeSync(fd);
  }
}

/** True once a job.finished event has been recorded for the job. */
export function completionRecorded(dir: string): boolean {
  return existsSync(jobFiles(dir).completion);
}
