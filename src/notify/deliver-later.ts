// Starts a detached process that delivers a job's job.finished (see supervisor/deliver-only.ts),
// for terminal states recorded by a command rather than by the job's supervisor.
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jobFiles } from '../store/jobs.js';
import type { JobStateRecord } from '../store/types.js';
import { processStartTime } from '../util/proc.js';

/** dist/supervisor.cjs, next to the bundle this code runs from. */
export const supervisorScript = (): string => join(dirname(fileURLToPath(import.meta.url)), 'supervisor.cjs');

/**
 * Starts the deliverer; returns the state fields that record it (delete and gc wait for it).
 * Called inside the locked update that records the terminal state, so only the process that
 * ended the job starts one.
 */
export function deliverInBackground(dir: string, configPath: string | undefined): Pick<JobStateRecord, 'deliverer_pid' | 'deliverer_start_time'> {
  try {
    const logFd = openSync(jobFiles(dir).supervisorLog, 'a', 0o600);
    const args = ['--', supervisorScript(), '--deliver', dirname(dir), basename(dir), ...(configPath !== undefined ? [configPath] : [])];
    const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', 'ignore', logFd], cwd: '/' });
    closeSync(logFd);
    child.on('error', () => undefined);
    child.unref();
    const startTime = child.pid === undefined ? undefined : processStartTime(child.pid);
    return child.pid !== undefined && startTime !== undefined ? { deliverer_pid: child.pid, deliverer_start_time: startTime } : {};
  } catch {
    // The job's state is recorded either way; a missing notification is not worth an error.
    return {};
  }
}
