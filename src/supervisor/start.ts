// Starting supervisor processes (dist/supervisor.cjs): the one place that spawns them, and the
// launcher's ticket in the line of a concurrency limit for the supervisor it started. A job's
// supervisor (launch, re-attach, retry of a lost attempt), and the detached deliverer of
// job.finished for a job that ended without its supervisor (deliver-only.ts). Commands and
// supervisors hand reconciliation the actions built here (supervisorActions).
import { spawn } from 'node:child_process';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSupervisorLog } from '../store/job-logs.js';
import { readMeta } from '../store/jobs.js';
import { jobLimits, type Limit } from '../store/slot-limits.js';
import { enqueue } from '../store/slot-tickets.js';
import type { JobMeta } from '../store/types.js';
import type { Config } from '../config.js';
import type { ReconcileActions } from '../job/reconcile.js';
import type { ProcessIdentity } from '../job/transitions.js';
import type { TerminalState } from '../job/state.js';
import { processStartTime } from '../util/proc.js';
import { closeDescriptors } from '../util/fs-checks.js';

/** A small young generation and an explicit GC after start-up keep an idle supervisor small. */
const SUPERVISOR_NODE_FLAGS = ['--max-semi-space-size=1', '--expose-gc'];

/** dist/supervisor.cjs, next to the bundle this code runs from. */
const supervisorScript = (): string => join(dirname(fileURLToPath(import.meta.url)), 'supervisor.cjs');

/**
 * Starts `supervisor.cjs [mode] ROOT ID [CONFIG]` for the job in `dir`, detached in its own
 * session with its stderr in supervisor.log; returns its pid and start time, or undefined when
 * it could not be started (or was already gone).
 */
function spawnSupervisor(dir: string, configPath: string | undefined, options: { mode?: string; nodeFlags?: string[] } = {}): ProcessIdentity | undefined {
  const logFd = openSupervisorLog(dir);
  const args = [...(options.nodeFlags ?? []), '--', supervisorScript(), ...(options.mode ? [options.mode] : []), dirname(dir), basename(dir)];
  if (configPath !== undefined) args.push(configPath);
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', 'ignore', logFd], cwd: '/' });
  closeDescriptors([logFd]);
  child.on('error', () => undefined);
  child.unref();
  const startTime = child.pid === undefined ? undefined : processStartTime(child.pid);
  return child.pid !== undefined && startTime !== undefined ? { pid: child.pid, startTime } : undefined;
}

/** Starts the job's supervisor; undefined when it could not be started. */
export function startSupervisor(dir: string, configPath: string | undefined): ProcessIdentity | undefined {
  try {
    return spawnSupervisor(dir, configPath, { nodeFlags: SUPERVISOR_NODE_FLAGS });
  } catch {
    return undefined;
  }
}

/**
 * Starts the deliverer; returns the state fields that record it (delete and gc wait for it).
 * Called inside the locked transition that records the terminal state, so only the process
 * that ended the job starts one.
 */
export function deliverInBackground(dir: string, configPath: string | undefined): Pick<TerminalState, 'deliverer_pid' | 'deliverer_start_time'> {
  try {
    const started = spawnSupervisor(dir, configPath, { mode: '--deliver' });
    return started ? { deliverer_pid: started.pid, deliverer_start_time: started.startTime } : {};
  } catch {
    // The job's state is recorded either way; a missing notification is not worth an error.
    return {};
  }
}

/**
 * What reconciliation starts for a job found without its supervisor: a lost job gets its
 * job.finished from a deliverer; a remote job, or a lost attempt to be retried, a new supervisor.
 */
export function supervisorActions(configPath: () => string | undefined): ReconcileActions {
  return {
    startSupervisor: (dir) => startSupervisor(dir, configPath()),
    deliverFinished: (dir) => deliverInBackground(dir, configPath()),
  };
}

/**
 * At `start`: the launcher writes the job's ticket for its first limit with the pid of the
 * supervisor it started, so the job's place in line is taken at queued_at, however slowly its
 * supervisor starts. Jobs with dependencies join the line only once those are met.
 */
export async function enqueueOnLaunch(dir: string, config: Config, supervisor: { pid: number; startTime: string }, queuedAt: string, known?: JobMeta): Promise<void> {
  const meta = known ?? readMeta(dir);
  if (Object.keys(config.queues).length === 0 && !Object.values(config.executors).some((d) => d.max_concurrent !== undefined) && meta.agent === undefined) return;
  const limits = jobLimits(meta, config);
  if (limits.length === 0 || (meta.after ?? []).length > 0) return;
  // enqueue() writes the ticket only while the job is still queued (checked under the limit's lock).
  await enqueue(dirname(dir), limits[0] as Limit, { jobId: meta.job_id, queuedAt, pid: supervisor.pid, startTime: supervisor.startTime });
}
