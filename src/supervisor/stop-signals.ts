// A supervisor asked to stop (SIGTERM, SIGHUP or SIGINT: a shutdown, a service manager, a user)
// stops its job as `kill` would and records what it saw, instead of dying and leaving the job
// `lost` with nobody to observe its end. A local job cannot be re-attached, so stopping is the
// only way to report it truthfully; remote jobs follow the same rule, for one behaviour.
// Invariants:
// - A running job gets a kill request (SIGTERM to its process group, SIGKILL after its
//   --kill-after), recorded with kill_reason "supervisor_signal" before anything is signalled;
//   the supervisor follows it to its end like any kill, records the outcome it observed (which
//   may be an exit if the job ended first), delivers job.finished, then exits.
// - A queued job (waiting for its dependencies, slots or retry time) ends `killed` without
//   starting, with the same kill_reason; its waits notice the state change and end, and
//   job.finished is delivered before the supervisor exits.
// - A supervisor running several jobs (it took over the next of its line, main.ts) stops each of
//   them; a job it ends after the signal is the last it takes.
// - Once the outcome is recorded, a signal changes nothing (the deliveries under way are bounded
//   by the sink timeouts); a second signal while stopping is ignored.
import type { JobMeta } from '../store/types.js';
import type { JobStateRecord, KillReason } from '../job/state.js';
import { applyTransition } from '../job/apply.js';
import { killQueued, ownedBy, requestKill } from '../job/transitions.js';
import { signalJobGroup } from '../util/proc.js';
import { nowIso } from '../util/time.js';
import { log } from '../log.js';
import type { Notifier } from './notifier.js';
import { deliverFinished } from './finish-attempt.js';

const STOP_SIGNALS = ['SIGTERM', 'SIGHUP', 'SIGINT'] as const;
const REASON: KillReason = 'supervisor_signal';

interface Supervised {
  dir: string;
  meta: JobMeta;
  notifier: Notifier;
}

/** The jobs this process supervises now: one, or more when it took over the next job of a line. */
const supervised = new Set<Supervised>();
let stopping: Promise<void> | undefined;

/** From now until the returned function is called, a stop signal stops the job in `dir` (once). */
export function stopJobOnSignals(dir: string, meta: JobMeta, notifier: Notifier): () => void {
  if (supervised.size === 0 && !handlersInstalled) installHandlers();
  const job = { dir, meta, notifier };
  supervised.add(job);
  // A job this process took on after a stop signal came is stopped as well.
  if (stopping !== undefined && lastSignal !== undefined) stopping = Promise.all([stopping, stopOne(job, lastSignal)]).then(() => undefined);
  return () => supervised.delete(job);
}

let handlersInstalled = false;
let lastSignal: string | undefined;

const stopOne = (job: Supervised, signal: string): Promise<void> =>
  stopJob(job.dir, job.meta, job.notifier, signal).catch((err: unknown) => log.warn(`stopping the job after ${signal} failed: ${(err as Error).message}`));

function installHandlers(): void {
  handlersInstalled = true;
  for (const signal of STOP_SIGNALS) {
    process.on(signal, () => {
      if (stopping !== undefined) return;
      lastSignal = signal;
      stopping = Promise.all([...supervised].map((job) => stopOne(job, signal))).then(() => undefined);
    });
  }
}

/** True once a stop signal came: this process takes on no further job. */
export const stopRequested = (): boolean => stopping !== undefined;

/** Resolves once a stop begun by a signal has done its part (at once when there was none). */
export function stopSettled(): Promise<void> {
  return stopping ?? Promise.resolve();
}

async function stopJob(dir: string, meta: JobMeta, notifier: Notifier, received: string): Promise<void> {
  log.info(`${received} received: stopping the job`);
  let endedHere = false;
  const state = await applyTransition(dir, (cur): JobStateRecord | undefined => {
    if (!ownedBy(cur, process.pid)) return undefined;
    if (cur.state === 'queued' && cur.remote === undefined) {
      const killed = killQueued(cur, 'SIGTERM', nowIso());
      endedHere = killed !== undefined;
      return killed && { ...killed, kill_reason: REASON };
    }
    const next = requestKill(cur, { signal: 'SIGTERM', grace_ms: meta.kill_after_ms, requested_at: nowIso() });
    return next?.state === 'running' ? { ...next, kill_reason: next.kill_reason ?? REASON } : next;
  });
  // The request is on disk: whoever sees the job end also sees why. The follow procedure
  // escalates (output-watch sees the request); a remote job is signalled through its executor.
  if (state.state === 'running' && state.remote === undefined) signalJobGroup(state.pid, state.pid_start_time, 'SIGTERM');
  if (endedHere) await deliverFinished(dir, state, notifier);
}
