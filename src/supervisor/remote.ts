// The supervisor of a job on a remote executor (SSH host, container, Slurm).
// Invariants:
// - This local supervisor stays the one owner of the job's state and logs; the target only
//   runs the process elsewhere. The local logs grow only by bytes copied from the executor at
//   their own size as offset, so a new supervisor resumes where the last one stopped: no byte
//   lost, none duplicated.
// - Before the job is handed over, state.remote is recorded with submitting:true; once the
//   executor has it, its identity replaces that. A supervisor that dies at any point leaves
//   enough for the next `status`/`wait` to re-attach a new one (job/reconcile.ts).
// - The job is `running` only once the executor reports it running; the terminal state is
//   written only after the executor reported the end and every byte reached the local logs.
// - Failing to reach the executor never ends the job: contact is retried with backoff and
//   state.remote_unreachable says since when it is out of reach.
// - The job's stdin (an agent's prompt, a command job's --stdin) is read once, for the
//   hand-over, and reaches the target only as bytes (SubmitSpec.stdin), never as an argument.
// - While the job runs its resource use is sampled beside the poll loop (resource-sampler.ts).
import { dirname } from 'node:path';
import { jobFiles, readState, fileSize } from '../store/jobs.js';
import { appendLog, ensureLogs, jobStillExists } from '../store/job-logs.js';
import type { JobMeta, Secrets } from '../store/types.js';
import type { JobErrorCode, JobStateRecord, RemoteIdentity } from '../job/state.js';
import { applyTransition } from '../job/apply.js';
import { adopt, fail, ownedBy, recordRemote, start } from '../job/transitions.js';
import { remoteExit, remoteTerminalState } from '../job/outcome.js';
import { nowIso } from '../util/time.js';
import { buildJobEnv } from './job-env.js';
import { deliverFinished } from './finish-attempt.js';
import { followAttempt, type AttemptPort } from './follow-attempt.js';
import type { Notifier } from './notifier.js';
import { selfIdentity } from './identity.js';
import { TargetError, type LogSink, type RemotePhase, type RemoteTarget, type SubmitSpec } from '../executors/port.js';
import { createTarget } from '../executors/create-target.js';
import { Contact, Waker } from './remote-contact.js';
import { ResourceSampler } from './resource-sampler.js';
import { readJobInput } from '../store/prompt.js';
import { ensureCloudReaperRuns } from './start.js';
import { onInstanceRecorded } from '../executors/cloud/instances.js';

const failed = (cur: JobStateRecord, code: JobErrorCode, message: string): JobStateRecord | undefined => fail(cur, { code, message }, nowIso());

/** Claims the job for this supervisor; a first claim records where the job is about to go. */
async function claim(dir: string, target: RemoteTarget, spec: SubmitSpec): Promise<JobStateRecord> {
  return applyTransition(dir, (cur) => {
    const mine = adopt(cur, selfIdentity());
    if (mine === undefined || mine.remote !== undefined) return mine;
    return recordRemote(mine, { ...target.prepare(spec), submitting: true });
  });
}

/**
 * Hands the job to its executor — or, when an earlier supervisor died during the hand-over,
 * finds out whether the job got there — and records its identity. Undefined: the job failed.
 */
async function handOver(dir: string, target: RemoteTarget, spec: SubmitSpec, prepared: RemoteIdentity, resumed: boolean, contact: Contact): Promise<RemoteIdentity | undefined> {
  let identity: RemoteIdentity | undefined;
  let failure: { code: JobErrorCode; message: string } | undefined;
  try {
    identity = resumed
      ? await contact.retry('finding the job on its executor', () => target.recover(spec, prepared))
      : await target.submit(spec, prepared);
    if (identity === undefined) failure = { code: 'launch_failed', message: 'the supervisor stopped before the job reached its executor' };
  } catch (err) {
    const transient = !(err instanceof TargetError) || err.transient;
    failure = { code: transient ? 'executor_unavailable' : 'launch_failed', message: (err as Error).message };
    // A hand-over cut short (a timeout, a dropped link) may still have started the job: ask
    // the executor a few times before declaring it failed, so that nothing runs unfollowed.
    if (transient && !resumed) {
      const found = await confirmAbsent(target, spec, prepared);
      if (found !== undefined) {
        identity = found;
        failure = undefined;
      }
    }
  }
  const state = await applyTransition(dir, (cur) => {
    if (cur.supervisor_pid !== process.pid) return undefined;
    if (failure !== undefined) return failed(cur, failure.code, failure.message);
    const recorded = recordRemote(cur, identity as RemoteIdentity);
    return target.startsOnSubmit === true && recorded?.state === 'queued' ? start(recorded, { startedAt: nowIso() }) : recorded;
  });
  return failure === undefined && state.supervisor_pid === process.pid ? identity : undefined;
}

const CONFIRM_DELAYS_MS = [500, 1500, 4000];

/** The identity of a job found on its executor after a failed submit, else undefined. */
async function confirmAbsent(target: RemoteTarget, spec: SubmitSpec, prepared: RemoteIdentity): Promise<RemoteIdentity | undefined> {
  for (const delay of CONFIRM_DELAYS_MS) {
    await new Promise((r) => setTimeout(r, delay));
    try {
      return await target.recover(spec, prepared);
    } catch {
      // Still out of reach: ask again.
    }
  }
  return undefined;
}

export async function superviseRemote(dir: string, meta: JobMeta, secrets: Secrets, notifier: Notifier, releaseSlots: () => void = () => undefined): Promise<void> {
  const def = meta.executor_def;
  if (def === undefined) return;
  const finishFailed = (state: JobStateRecord) => deliverFinished(dir, state, notifier);
  const before = readState(dir).remote;
  // The environment (and the job's stdin) is read once, for the hand-over; a re-attached
  // supervisor never needs it (and the env file may be gone by then).
  let env: Record<string, string> = {};
  let stdin: Buffer | undefined;
  if (before === undefined) {
    try {
      env = buildJobEnv(dir, meta, secrets, def.env);
      stdin = readJobInput(dir, meta);
    } catch (err) {
      await finishFailed(await applyTransition(dir, (cur) => (ownedBy(cur, process.pid) ? failed(cur, 'launch_failed', (err as Error).message) : undefined)));
      return;
    }
  }
  ensureLogs(dir);
  const target = createTarget(def, dir, meta);
  // A record made for this job has the root's reaper watch it from then on.
  if (def.type === 'cloud') onInstanceRecorded(ensureCloudReaperRuns);
  const spec: SubmitSpec = { dir, meta, env, stdin };
  const contact = new Contact(dir, target.pollMs);
  try {
    const claimed = await claim(dir, target, spec);
    if (claimed.supervisor_pid !== process.pid || claimed.remote === undefined) return;
    let identity: RemoteIdentity | undefined = claimed.remote;
    if (identity.submitting === true) {
      identity = await handOver(dir, target, spec, identity, before !== undefined, contact);
      if (identity === undefined) return await finishFailed(readState(dir));
    }
    // Remote jobs take no retry policy (refused at create time).
    await followAttempt(dir, meta, remoteAttempt(dir, target, identity, contact), notifier, releaseSlots);
  } finally {
    await target.close().catch(() => undefined);
    // An instance given back idle is destroyed at its idle_timeout by the root's reaper.
    if (def.type === 'cloud') ensureCloudReaperRuns(dirname(dir));
  }
}

/**
 * The remote side of following an attempt (follow-attempt.ts): signals are queued and sent on
 * the next round trip; the executor is polled for the job's phase, its output copied home by
 * byte offset, and the attempt ends once the executor reports the end and the copy is complete.
 * Contact failures only back off (state.remote_unreachable); resources are sampled meanwhile.
 */
function remoteAttempt(dir: string, target: RemoteTarget, id: RemoteIdentity, contact: Contact): AttemptPort {
  const files = jobFiles(dir);
  const logs: LogSink = { size: (s) => fileSize(files[s]), append: (s, bytes) => appendLog(dir, s, bytes) };
  const waker = new Waker();
  let pendingSignal: NodeJS.Signals | undefined;
  let ended = false;
  const queueSignal = (signal: NodeJS.Signals): boolean => {
    if (ended) return false;
    // A KILL already queued is not weakened by a later TERM.
    if (pendingSignal !== 'SIGKILL') pendingSignal = signal;
    waker.poke();
    return true;
  };
  return {
    proc: { signalGroup: queueSignal },
    deliversKillSignal: true,
    enforcesTimeout: target.enforcesTimeout === true,
    terminal: remoteTerminalState,
    async ended(runningSince) {
      const sampler = new ResourceSampler(dir, target, id, () => contact.reachable);
      // From the start on: resource samples, and the timeout.
      const since = (startedAt: string): void => {
        sampler.start(startedAt);
        runningSince(startedAt);
      };
      const initial = readState(dir);
      let running = initial.state === 'running';
      if (running) since(initial.started_at ?? nowIso());
      let signalSent = false;
      let phase: RemotePhase = { phase: 'pending' };
      try {
        for (;;) {
          // Removed by hand or with its root: nobody is left to report to.
          if (!jobStillExists(dir)) throw new Error('the job directory is gone');
          if (pendingSignal !== undefined) {
            const signal = pendingSignal;
            const sent = await contact.attempt(`sending ${signal}`, () => target.signal(id, signal));
            if (sent.ok) {
              signalSent = true;
              if (pendingSignal === signal) pendingSignal = undefined;
            }
          }
          const checked = await contact.attempt('checking the job', () => target.phase(id));
          if (checked.ok) {
            phase = checked.value;
            const ranAtAll = phase.phase === 'running' || (phase.phase === 'ended' && phase.neverStarted !== true);
            if (ranAtAll && !running) {
              running = true;
              const startedAt = (phase.phase === 'pending' ? undefined : phase.startedAt) ?? nowIso();
              await applyTransition(dir, (cur) => start(cur, { startedAt }));
              since(startedAt);
            }
          }
          // Without contact there is nothing to copy (and a no-op copy must not count as contact).
          const synced = checked.ok ? await contact.attempt('copying output', () => target.sync(id, logs)) : checked;
          if (phase.phase === 'ended' && synced.ok) break;
          await waker.sleep(checked.ok && synced.ok ? target.pollMs : contact.backoffMs());
        }
      } catch (err) {
        // The executor says the job cannot be followed any more (not a passing network fault).
        phase = { phase: 'ended', error: { code: 'executor_failed', message: (err as Error).message } };
      }
      ended = true;
      sampler.stop();
      const end = phase;
      return {
        exitFor: (signalled) => remoteExit(end.code, end.signal, signalled),
        signalSent,
        ...(end.finishedAt !== undefined ? { finishedAt: end.finishedAt } : {}),
        ...(end.timedOut === true ? { timedOut: true } : {}),
        ...(end.error !== undefined ? { error: end.error } : {}),
        ...(end.lostReason !== undefined ? { lostReason: end.lostReason } : {}),
      };
    },
  };
}
