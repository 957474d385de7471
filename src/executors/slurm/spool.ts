// The Slurm job's files in the job's spool directory (shared with the compute nodes): the output
// files Slurm writes, copied home by byte offset, and the last signal jobctl sent.
import { closeSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TargetError, type LogSink } from '../port.js';

const CHUNK = 1024 * 1024;

export const spoolFiles = (spool: string) => ({
  script: join(spool, 'job.sh'),
  stdout: join(spool, 'stdout'),
  stderr: join(spool, 'stderr'),
  signal: join(spool, 'signal'),
});

/**
 * Appends to each local log what Slurm's output file holds past the log's size, up to `cap`
 * bytes in all (past max_log_bytes the supervisor kills the job; more would only be cut).
 */
export function copyOutput(spool: string, logs: LogSink, cap: number): void {
  const files = spoolFiles(spool);
  const buffer = Buffer.alloc(CHUNK);
  for (const stream of ['stdout', 'stderr'] as const) {
    let fd: number;
    try {
      fd = openSync(files[stream], 'r');
    } catch (err) {
      // Slurm creates the files when the job starts.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new TargetError(`reading the job's ${stream}: ${(err as Error).message}`, true);
    }
    try {
      for (let offset = logs.size(stream); offset < cap; ) {
        const n = readSync(fd, buffer, 0, Math.min(CHUNK, cap - offset), offset);
        if (n === 0) break;
        logs.append(stream, buffer.subarray(0, n));
        offset += n;
      }
    } finally {
      closeSync(fd);
    }
  }
}

export function recordSignal(spool: string, signal: string): void {
  writeFileSync(spoolFiles(spool).signal, signal, { mode: 0o600 });
}

/** The last signal jobctl sent the job (by any of its supervisors), if any. */
export function sentSignal(spool: string): string | undefined {
  try {
    return readFileSync(spoolFiles(spool).signal, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
