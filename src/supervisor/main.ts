// The per-job supervisor (`node dist/supervisor.cjs ROOT ID [CONFIG]`), started detached in its own
// session so that nothing killing the caller's process tree reaches it.
// Invariants:
// - It acts only on a job it claimed while the job was `queued` (recording its own pid and
//   start time); the job's process is spawned under the job lock, so a concurrent `kill` sees
//   either `queued` (nothing started, nothing will be) or `running` with a pid.
// - Nothing slow happens under that lock: the job's environment (its --env-file, a path the
//   user named) and working directory are read before it; under it the state is read afresh,
//   so a job killed meanwhile never starts. A process whose start could not be recorded (the
//   lock was lost while this supervisor stalled: apply.ts) is SIGKILLed, never followed.
// - Exactly one terminal state is written, after the process group leader has exited, and only
//   then are notifications delivered; a sink can delay the supervisor's exit, never the state.
// - The job's concurrency slots are given back as soon as its end (or a retry's `queued`) is
//   recorded, before any notification is delivered: a slow sink never holds a slot. Release is
//   idempotent (the `finally` below calls it again). With the release the dispatcher runs
//   (dispatch.ts): the next waiting job starts without waiting for this supervisor's sinks —
//   taken over by this very process when it may (chain.ts: the slots are then given back under
//   the scheduling lock, to that job) — and the supervisor exits only once that hand-over is done.
// - A job that must wait (slot, dependency, retry delay) is parked by the gate and this process
//   exits: a waiting job holds no process. A parked job is never taken by a supervisor the
//   dispatcher did not record (the check under the job lock below).
// - A job with a retry policy (--retry) runs attempt after attempt through the same path
//   (retry delay, gate, launch, follow): an attempt that is retried goes back to `queued`
//   (follow-attempt.ts, finish-attempt.ts) and sends nothing; only the last one ends the job.
// - The job writes to its logs through inherited descriptors: the supervisor never sits in the
//   data path.
// - SIGTERM, SIGHUP and SIGINT to the supervisor stop its job like a `kill` (stop-signals.ts):
//   the outcome is still observed and recorded, never left `lost`.
import { dirname } from 'node:path';
import { jobDir, readMeta, readSecrets, readState } from '../store/jobs.js';
import { openJobLogs } from '../store/job-logs.js';
import { closeDescriptors, isDirectory } from '../util/fs-checks.js';
import { openJobInput } from '../store/prompt.js';
import { secretValues, type JobMeta, type Secrets } from '../store/types.js';
import type { JobErrorInfo, JobStateRecord } from '../job/state.js';
import { applyTransition, readStateLocked } from '../job/apply.js';
import { adopt, fail, ownedBy, start } from '../job/transitions.js';
import { readProcStat } from '../util/proc.js';
import { selfIdentity } from './identity.js';
import { nowIso } from '../util/time.js';
import { registerSecret } from '../output.js';
import { log } from '../log.js';
import { buildJobEnv } from './job-env.js';
import { launchLocal, type LaunchOutcome, type RunningProcess } from '../executors/local/target.js';
import { notifierFor, type Notifier } from './notifier.js';
import { passGate } from './gate.js';
import { loadConfigQuietly } from '../config.js';
import { allocateReserve, releaseReserve } from '../store/reserve.js';
import { startWaitingJobs, supervisorActions } from './start.js';
import { followAttempt } from './follow-attempt.js';
import { localAttempt } from './follow-local.js';
import { deliverFinished } from './finish-attempt.js';
import { stopJobOnSignals, stopRequested } from './stop-signals.js';
import type { TakeOver } from './dispatch.js';

const launchFailure = (cur: JobStateRecord, message: string): JobStateRecord | undefined => fail(cur, { code: 'launch_failed', message }, nowIso());

/** How a process running several jobs (chain.ts) takes over the next job of a line. */
export interface TakeNext {
  /** Whether this process may take one more job now. */
  canTake(): boolean;
  /** Runs a job unparked to this process. */
  run(id: string): void;
}

/**
 * Supervises the job `id` of `root`. With `takeNext`, the job this one's end lets start may be
 * taken over by this process (dispatch.ts takeOver) and handed to `takeNext.run`.
 */
export async function supervise(root: string, id: string, configPath: string | undefined, takeNext?: TakeNext): Promise<void> {
  const dir = jobDir(root, id);
  const meta = readMeta(dir);
  const secrets = readSecrets(dir);
  secretValues(secrets).forEach(registerSecret);
  let current = readState(dir);
  // A re-attaching caller records this supervisor's pid under the lock it holds while starting
  // it: take the lock once to be sure to read what it wrote.
  // A parked job is being handed to a supervisor by a dispatcher holding the lock: wait for it too.
  const parked = (s: JobStateRecord): boolean => s.state === 'queued' && s.parked === true;
  if (!ownedBy(current, process.pid) || parked(current)) current = await readStateLocked(dir);
  if (!ownedBy(current, process.pid) || parked(current)) return;
  // A remote job may be re-attached while running; a local one is only ever started from queued.
  if (current.state !== 'queued' && !(meta.executor_def !== undefined && current.state === 'running')) return;
  // Waiting for its dependencies and slots, this supervisor reconciles other jobs as a command would.
  const actions = supervisorActions(() => configPath);
  // Read once: sinks, shell and concurrency limits come from the same file.
  const config = loadConfigQuietly(configPath, (m) => log.warn(m));
  const notifier = notifierFor(dir, id, config);
  const stopHere = stopJobOnSignals(dir, meta, notifier);
  let resumed = current.state === 'running';
  const jobRoot = dirname(dir);
  const identity = { pid: process.pid, startTime: selfIdentity().startTime ?? '' };
  const askTurn = (jobId: string): Promise<void> => startWaitingJobs(jobRoot, () => configPath, actions, identity.startTime === '' ? {} : { adopt: { jobId, identity } });
  // Gives back the job's slots and starts what that lets start: the next local job of the line,
  // if any, in this process (its slots pass to it under the scheduling lock, dispatch.ts).
  const handOverNext = async (release: () => void): Promise<void> => {
    if (takeNext?.canTake() !== true || identity.startTime === '' || stopRequested()) {
      release();
      return startWaitingJobs(jobRoot, () => configPath, actions);
    }
    const takeOver: TakeOver = { identity, release };
    await startWaitingJobs(jobRoot, () => configPath, actions, { takeOver });
    if (takeOver.taken !== undefined) takeNext.run(takeOver.taken);
  };
  let handOver: Promise<void> | undefined;
  try {
    for (;;) {
      const gate = await passGate(dir, meta, config, resumed, actions, askTurn);
      resumed = false;
      if (!gate.go) {
        if (gate.failure !== undefined) {
          await failBeforeStart(dir, gate.failure, notifier);
          handOver = handOverNext(() => undefined);
        }
        return;
      }
      const release = (): void => {
        handOver ??= handOverNext(() => gate.release());
      };
      const ended = await runAttempt(dir, meta, secrets, notifier, release);
      // Another attempt: back through the gate (a retry delay parks the job).
      if (ended?.state !== 'queued') return;
      await handOver;
      handOver = undefined;
    }
  } finally {
    await handOver;
    stopHere();
  }
}

/** One attempt under the gate's slots; the state recorded at its end (undefined for a remote job). */
async function runAttempt(dir: string, meta: JobMeta, secrets: Secrets, notifier: Notifier, release: () => void): Promise<JobStateRecord | undefined> {
  allocateReserve(dir);
  try {
    if (meta.executor_def === undefined) return await launchAndFollow(dir, meta, secrets, notifier, release);
    // Loaded only for remote jobs: a local supervisor never pays for execa and the targets.
    // Remote jobs take no retry policy (refused at create time).
    const { superviseRemote } = await import('./remote.js');
    await superviseRemote(dir, meta, secrets, notifier, release);
    return undefined;
  } finally {
    releaseReserve(dir);
    release();
  }
}

/** A job that must not start (a failed dependency): `failed` with the reason, job.finished sent. */
async function failBeforeStart(dir: string, error: JobErrorInfo, notifier: Notifier): Promise<void> {
  const state = await applyTransition(dir, (cur) => (cur.state === 'queued' && ownedBy(cur, process.pid) ? fail(cur, error, nowIso()) : undefined));
  if (state.state === 'failed') await deliverFinished(dir, state, notifier);
}

/** Runs one attempt; returns the state recorded at its end (queued when it is to be retried). */
async function launchAndFollow(dir: string, meta: JobMeta, secrets: Secrets, notifier: Notifier, releaseSlots: () => void): Promise<JobStateRecord> {
  let proc: RunningProcess | undefined;
  // One locked step claims the job and starts its process: a concurrent `kill` sees either
  // `queued` with nothing started or `running` with a pid.
  let state: JobStateRecord;
  const env = prepareEnv(dir, meta, secrets);
  try {
    state = await applyTransition(dir, async (current) => {
      // Asked again after a refused write: the process started then must not run on.
      proc?.signalGroup('SIGKILL');
      proc = undefined;
      if (current.state !== 'queued') return undefined;
      const cur = adopt(current, selfIdentity());
      if (cur === undefined) return undefined;
      if (typeof env === 'string') return launchFailure(cur, env);
      const fds: number[] = [];
      let outcome: LaunchOutcome;
      try {
        fds.push(...openJobLogs(dir));
        const input = openJobInput(dir, meta);
        if (input !== undefined) fds.push(input);
        outcome = await launchLocal({ argv: meta.argv, cwd: meta.cwd, env, stdoutFd: fds[0] as number, stderrFd: fds[1] as number, ...(fds[2] !== undefined ? { stdinFd: fds[2] } : {}) });
      } catch (err) {
        outcome = { ok: false, error: `cannot open the job logs: ${(err as Error).message}` };
      } finally {
        closeDescriptors(fds);
      }
      if (!outcome.ok) return launchFailure(cur, outcome.error);
      proc = outcome.proc;
      // Read before this process reaps its child (the event loop has not run since the spawn):
      // a leader that already exited is a zombie whose start time is still its own, and is
      // needed to find what it left in its group (finish-attempt.ts).
      return start(cur, { startedAt: nowIso(), pid: proc.pid, pidStartTime: readProcStat(proc.pid)?.startTime });
    });
  } catch (err) {
    // Started but not recorded: a process nobody could find or kill must not run on.
    proc?.signalGroup('SIGKILL');
    throw err;
  }
  if (proc !== undefined && !(state.state === 'running' && state.pid === proc.pid)) {
    // Recorded by nobody (the job ended meanwhile): nobody could find or kill it.
    proc.signalGroup('SIGKILL');
    proc = undefined;
  }
  if (proc === undefined) {
    releaseSlots();
    await deliverFinished(dir, state, notifier);
    return state;
  }
  return followAttempt(dir, meta, localAttempt(proc), notifier, releaseSlots);
}

/** The job's environment, read before the job lock is taken; a string says why it cannot start. */
function prepareEnv(dir: string, meta: JobMeta, secrets: Secrets): Record<string, string> | string {
  try {
    // The job's working directory is the caller's, outside the job root.
    if (!isDirectory(meta.cwd)) return `cwd ${meta.cwd} is not a directory`;
    return buildJobEnv(dir, meta, secrets, { ...process.env, ...meta.executor_env });
  } catch (err) {
    return (err as Error).message;
  }
}
