// The Slurm job's files in the job's spool directory (shared with the compute nodes): the output
// files Slurm writes, copied home by byte offset, and the last signal jobctl sent.
import { join } from 'node:path';
import { readRange } from '../../store/log-range.js';
import { readSpoolText, writeSpoolFile } from '../../store/spool.js';
import { TargetError, type LogSink } from '../port.js';

const CHUNK = 1024 * 1024;
const SIGNAL_FILE = 'signal';

export const spoolFiles = (spool: string) => ({
  script: join(spool, 'job.sh'),
  stdout: join(spool, 'stdout'),
  stderr: join(spool, 'stderr'),
  signal: join(spool, SIGNAL_FILE),
});

/**
 * Appends to each local log what Slurm's output file holds past the log's size, up to `cap`
 * bytes in all (past max_log_bytes the supervisor kills the job; more would only be cut).
 */
export function copyOutput(spool: string, logs: LogSink, cap: number): void {
  const files = spoolFiles(spool);
  for (const stream of ['stdout', 'stderr'] as const) {
    for (let offset = logs.size(stream); offset < cap; ) {
      let bytes: Buffer | undefined;
      try {
        bytes = readRange(files[stream], offset, Math.min(CHUNK, cap - offset));
      } catch (err) {
        throw new TargetError(`reading the job's ${stream}: ${(err as Error).message}`, true);
      }
      // Slurm creates the files when the job starts.
      if (bytes === undefined || bytes.length === 0) break;
      logs.append(stream, bytes);
      offset += bytes.length;
    }
  }
}

/** Records the signal jobctl sends the job, before it is sent (job dir's spool). */
export function recordSignal(dir: string, signal: string): void {
  writeSpoolFile(dir, SIGNAL_FILE, signal);
}

/** The last signal jobctl sent the job (by any of its supervisors), if any. */
export function sentSignal(spool: string): string | undefined {
  return readSpoolText(spool, SIGNAL_FILE);
}
