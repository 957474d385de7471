// Starting supervisor processes (dist/supervisor.cjs): the one place that spawns them. A job's
// supervisor (launch, a waiting job's turn, re-attach, retry of a lost attempt), the detached
// deliverer of job.finished for a job that ended without its supervisor (deliver-only.ts), and
// the retry timer (retry-timer.ts). Commands and supervisors hand reconciliation and the
// dispatcher the actions built here (supervisorActions); commands reach the dispatcher only
// through them.
import { spawn } from 'node:child_process';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSupervisorLog } from '../store/job-logs.js';
import { loadConfigQuietly } from '../config.js';
import { log } from '../log.js';
import { startWaiting, type DispatchOptions } from './dispatch.js';
import { claimIntoLine, firstLine } from './park.js';
import { slotsDir } from '../store/waiting-lines.js';
import type { JobMeta } from '../store/types.js';
import type { Config } from '../config.js';
import type { JobStateRecord } from '../job/state.js';
import { existsSync } from 'node:fs';
import { ensureRetryTimer } from './retry-timer.js';
import { ensureCloudReaper } from './cloud-reaper.js';
import type { ReconcileActions } from '../job/reconcile.js';
import type { ProcessIdentity } from '../job/transitions.js';
import type { TerminalState } from '../job/state.js';
import { processStartTime } from '../util/proc.js';
import { closeDescriptors } from '../util/fs-checks.js';

/**
 * A small young generation and an explicit GC after start-up keep an idle supervisor small.
 * `--single-threaded`: V8 compiles and collects on the main thread instead of on helper threads.
 * A supervisor's heap is small, so its pauses stay short, and a process whose memory is used by
 * one thread only is cheaper to fork (each job's spawn) and to fault pages in: 1,000 `true` jobs
 * through a limit of 8 ran at a median of 60 against 54 jobs/s, five runs of each, interleaved.
 */
const SUPERVISOR_NODE_FLAGS = ['--max-semi-space-size=1', '--expose-gc', '--single-threaded'];

/** dist/supervisor.cjs, next to the bundle this code runs from. */
const supervisorScript = (): string => join(dirname(fileURLToPath(import.meta.url)), 'supervisor.cjs');

/**
 * Starts `supervisor.cjs [mode] ROOT ID [CONFIG]` for the job in `dir`, detached in its own
 * session with its stderr in supervisor.log; returns its pid and start time, or undefined when
 * it could not be started (or was already gone).
 */
function spawnSupervisor(dir: string, configPath: string | undefined, options: { mode?: string; nodeFlags?: string[] } = {}): ProcessIdentity | undefined {
  const timer = options.mode === '--timer' || options.mode === '--reaper';
  const logFd = timer ? 'ignore' : openSupervisorLog(dir);
  const args = [...(options.nodeFlags ?? []), '--', supervisorScript(), ...(options.mode ? [options.mode] : []), ...(timer ? [dir] : [dirname(dir), basename(dir)])];
  if (configPath !== undefined) args.push(configPath);
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', 'ignore', logFd], cwd: '/' });
  if (typeof logFd === 'number') closeDescriptors([logFd]);
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
 * What reconciliation and the dispatcher start: a lost job gets its job.finished from a
 * deliverer; a remote job, a lost attempt to be retried, or a waiting job whose turn came, a new
 * supervisor; retries waiting for their time, the one retry timer of the root.
 */
export function supervisorActions(configPath: () => string | undefined): ReconcileActions & { startWaiting(root: string): Promise<void> } {
  const actions = {
    startSupervisor: (dir: string) => startSupervisor(dir, configPath()),
    deliverFinished: (dir: string) => deliverInBackground(dir, configPath()),
    startWaiting: (root: string) => startWaitingJobs(root, configPath, actions),
  };
  return actions;
}

/** Runs the dispatcher (dispatch.ts) with the config the supervisors read; `adopt`, `takeOver`: see DispatchOptions. */
export async function startWaitingJobs(root: string, configPath: () => string | undefined, actions: ReconcileActions, own: Pick<DispatchOptions, 'adopt' | 'takeOver'> = {}): Promise<void> {
  // Nothing ever waited in this root: not even the config is read.
  if (!existsSync(slotsDir(root))) return;
  const config = loadConfigQuietly(configPath(), (m) => log.warn(m));
  const timer = (r: string): void => ensureRetryTimer(r, () => startRetryTimer(r, configPath()));
  return startWaiting(root, { config, actions, timer, ...own });
}

/** Starts the root's retry timer (retry-timer.ts); its identity, or undefined. */
function startRetryTimer(root: string, configPath: string | undefined): ProcessIdentity | undefined {
  try {
    return spawnSupervisor(root, configPath, { mode: '--timer', nodeFlags: SUPERVISOR_NODE_FLAGS });
  } catch {
    return undefined;
  }
}

/** Makes sure the root's cloud reaper (cloud-reaper.ts) runs while instance records exist. */
export function ensureCloudReaperRuns(root: string): void {
  ensureCloudReaper(root, () => {
    try {
      return spawnSupervisor(root, undefined, { mode: '--reaper', nodeFlags: SUPERVISOR_NODE_FLAGS });
    } catch {
      return undefined;
    }
  });
}

/**
 * At launch: a job that may have to wait (a limit, dependencies) is claimed parked in its first
 * line (park.ts); undefined when it needs no line and gets a supervisor of its own at once.
 */
export async function claimParkedOnLaunch(dir: string, launcher: { pid: number; startTime: string | undefined }, meta: JobMeta, config: Config, queuedAt?: string): Promise<JobStateRecord | undefined> {
  const line = firstLine(meta, config);
  return line === undefined ? undefined : claimIntoLine(dir, launcher, line.line, line.label, queuedAt);
}
