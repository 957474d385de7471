// Starting supervisor processes (dist/supervisor.cjs): the per-job supervisor, and the detached
// deliverer of job.finished for jobs that ended without their supervisor (deliver-only.ts); and
// the reconcile hooks that start them for jobs found without one.
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jobFiles } from '../store/jobs.js';
import type { JobStateRecord } from '../store/types.js';
import { onJobLost, onLostRetry, onRemoteOrphan } from '../store/reconcile.js';
import { processStartTime } from '../util/proc.js';

/** A small young generation and an explicit GC after start-up keep an idle supervisor small. */
export const SUPERVISOR_NODE_FLAGS = ['--max-semi-space-size=1', '--expose-gc'];

/** dist/supervisor.cjs, next to the bundle this code runs from. */
export const supervisorScript = (): string => join(dirname(fileURLToPath(import.meta.url)), 'supervisor.cjs');

/**
 * Starts `supervisor.cjs [mode] ROOT ID [CONFIG]` for the job in `dir`, detached in its own
 * session with its stderr in supervisor.log; returns its pid and start time, or undefined when
 * it could not be started (or was already gone).
 */
export function startSupervisorProcess(
  dir: string,
  configPath: string | undefined,
  options: { mode?: string; nodeFlags?: string[] } = {},
): { pid: number; startTime: string } | undefined {
  const logFd = openSync(jobFiles(dir).supervisorLog, 'a', 0o600);
  const args = [...(options.nodeFlags ?? []), '--', supervisorScript(), ...(options.mode ? [options.mode] : []), dirname(dir), basename(dir)];
  if (configPath !== undefined) args.push(configPath);
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', 'ignore', logFd], cwd: '/' });
  closeSync(logFd);
  child.on('error', () => undefined);
  child.unref();
  const startTime = child.pid === undefined ? undefined : processStartTime(child.pid);
  return child.pid !== undefined && startTime !== undefined ? { pid: child.pid, startTime } : undefined;
}

/**
 * Starts the deliverer; returns the state fields that record it (delete and gc wait for it).
 * Called inside the locked update that records the terminal state, so only the process that
 * ended the job starts one.
 */
export function deliverInBackground(dir: string, configPath: string | undefined): Pick<JobStateRecord, 'deliverer_pid' | 'deliverer_start_time'> {
  try {
    const started = startSupervisorProcess(dir, configPath, { mode: '--deliver' });
    return started ? { deliverer_pid: started.pid, deliverer_start_time: started.startTime } : {};
  } catch {
    // The job's state is recorded either way; a missing notification is not worth an error.
    return {};
  }
}

/**
 * Registers what reconcile does for a job found without its supervisor: a lost job gets its
 * job.finished from a deliverer; a remote job, or a lost attempt to be retried, a new supervisor.
 * Every process that reconciles jobs registers these (commands, and supervisors waiting on
 * their dependencies).
 */
export function registerReconcileHooks(configPath: () => string | undefined): void {
  onJobLost((dir) => deliverInBackground(dir, configPath()));
  const startSupervisor = (dir: string): Pick<JobStateRecord, 'supervisor_pid' | 'supervisor_start_time'> | undefined => {
    try {
      const started = startSupervisorProcess(dir, configPath(), { nodeFlags: SUPERVISOR_NODE_FLAGS });
      return started ? { supervisor_pid: started.pid, supervisor_start_time: started.startTime } : undefined;
    } catch {
      return undefined;
    }
  };
  onRemoteOrphan(startSupervisor);
  onLostRetry(startSupervisor);
}
