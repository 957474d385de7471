// `kill ID`: signal the job's whole process group; after --grace escalate to SIGKILL. A queued
// job is killed before anything starts; a terminal job is left alone (success, nothing sent).
// `kill ID ID...` / `kill --tag P`: each job the same way; the answer lists their summaries.
// A control signal (HUP, USR1, STOP, ...; util/signals.ts) without an explicit --grace is only
// delivered: no kill request is recorded, nothing waits, nothing escalates.
import { JobError } from '../errors.js';
import { optString } from '../command-support/args.js';
import { parseDuration, type Warn } from '../util/duration.js';
import { endsByDefault, isControlSignal, parseSignal } from '../util/signals.js';
import { signalJobGroup } from '../util/proc.js';
import { nowIso } from '../util/time.js';
import { applyTransition } from '../job/apply.js';
import { killQueued, requestKill } from '../job/transitions.js';
import { reconcile, type ReconcileActions } from '../job/reconcile.js';
import { waitForJob } from '../job/wait-for-jobs.js';
import { isTerminal, type JobStateRecord } from '../job/state.js';
import { readJob } from '../store/jobs.js';
import type { JobRecord } from '../store/types.js';
import { jobSummary } from '../view/job-view.js';
import { removeJobTickets } from '../store/waiting-lines.js';
import { withLineChange } from '../store/line-changes.js';
import { loadJob, loadJobAt } from '../command-support/load-job.js';
import { isMultiTarget, resolveTargets } from '../command-support/job-targets.js';
import type { Context } from '../command-support/types.js';
import { deliverInBackground } from '../supervisor/start.js';
import { idOptions, type CommandDef } from '../command-support/types.js';

/** After SIGKILL the supervisor needs a moment to record the end. */
const AFTER_KILL_WAIT_MS = 3000;
/** A remote job's end is seen by its supervisor's next poll and needs the logs copied home. */
const REMOTE_KILL_SLACK_MS = 10_000;

/** Signals the job's process group, checked by pid and start time (an ended job is not signalled). */
const signalGroup = (job: JobRecord, signal: NodeJS.Signals): boolean => signalJobGroup(job.state.pid, job.state.pid_start_time, signal);

/** How long kill watches for a job ended by such a signal before answering that it runs on. */
const CONTROL_SETTLE_MS = 1000;

/**
 * A control signal to a live job: delivered to a local job's group at once, with nothing
 * recorded (the job's end, if the signal ends it, is not a user kill: retries still apply). A
 * remote job's signals travel through its supervisor, which takes only kill requests: there a
 * control signal is sent as a kill, as before. A signal whose default action ends a process is watched for up to CONTROL_SETTLE_MS, so a job
 * that does not handle it is answered `killed` like after any kill; one that handles it (a
 * reload) is answered `running` after that window. Other signals answer at once.
 */
async function deliverOnly(job: JobRecord, signal: NodeJS.Signals, warn: Warn, actions: ReconcileActions): Promise<Record<string, unknown>> {
  const sent = job.state.state !== 'queued' && signalGroup(job, signal);
  if (job.state.state === 'queued') warn(`job is queued: no process to send ${signal} to`);
  let current = job;
  if (sent && endsByDefault(signal)) current = (await waitForJob(job.dir, CONTROL_SETTLE_MS, 200, actions)).job;
  return { job_id: job.meta.job_id, signal, sent, state: current.state.state, job: jobSummary(current) };
}

export const killCommand: CommandDef = {
  command: 'kill [id] [more..]',
  describe: 'signal the job\'s process tree',
  type: 'kill',
  options: {
    ...idOptions,
    tag: { type: 'string', describe: 'kill every job carrying this tag (P.* matches P and below; repeatable)' },
    signal: { type: 'string', describe: 'signal name or number (default TERM)' },
    grace: { type: 'string', alias: 'kill-after', describe: 'escalate to SIGKILL after this long (default 5s; a control signal such as HUP or USR1 escalates only when given)' },
  },
  async handler(args, ctx) {
    const signal = parseSignal(optString(args, 'signal') ?? 'TERM');
    const graceFlag = optString(args, 'grace');
    const graceMs = parseDuration(graceFlag ?? '5s', '--grace', ctx.warn);
    const how = { signal, graceFlag, graceMs };
    if (isMultiTarget(args)) {
      const dirs = resolveTargets(args, ctx);
      // A job never started (created) is listed as it is: there is nothing to kill.
      const answers = await inBatches(dirs, KILL_BATCH, (dir) => killJob(loadJobAt(dir), how, ctx).catch((err: unknown) => {
        if (err instanceof JobError && err.code === 'invalid_state') return { job: jobSummary(loadJobAt(dir)) };
        throw err;
      }));
      return { signal, jobs: answers.map((a) => a['job']), count: answers.length };
    }
    return killJob(loadJob(args, ctx), how, ctx, true);
  },
};

/** Jobs of a multi-job kill handled at once (each may wait up to its grace). */
const KILL_BATCH = 32;

async function inBatches<T, R>(items: T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += width) out.push(...(await Promise.all(items.slice(i, i + width).map(fn))));
  return out;
}

/** Kills one job as `kill ID` does; its answer. */
async function killJob(loaded: JobRecord, how: { signal: NodeJS.Signals; graceFlag: string | undefined; graceMs: number }, ctx: Context, answersInterrupt = false): Promise<Record<string, unknown>> {
  const { signal, graceFlag, graceMs } = how;
  let job = await reconcile(loaded, ctx.actions);
  const base = { job_id: job.meta.job_id, signal };
  if (job.state.state === 'created') {
    throw new JobError('invalid_state', 'job was never started; nothing to kill', { state: 'created' });
  }
  const local = job.meta.executor_def === undefined && job.state.remote === undefined;
  if (local && isControlSignal(signal) && graceFlag === undefined && !isTerminal(job.state.state)) return deliverOnly(job, signal, ctx.warn, ctx.actions);
  if (job.state.state === 'lost') {
    const sent = job.state.remote === undefined && signalGroup(job, signal);
    return { ...base, sent, state: 'lost', job: jobSummary(job) };
  }
  if (isTerminal(job.state.state)) return { ...base, sent: false, state: job.state.state, job: jobSummary(job) };

  // Under the lock: a queued job ends here; a running one gets the request recorded, and is
  // signalled once the request is on disk, so whoever sees the job end also sees why.
  let sent = false;
  let signalNow = false;
  const wasQueued = job.state.state === 'queued';
  const killStep = async (): Promise<JobStateRecord> => {
    const next = await applyTransition(job.dir, (cur) => {
      const request = { signal, grace_ms: graceMs, requested_at: nowIso() };
      // A remote job (even one still pending on its executor) is signalled by its supervisor.
      if (cur.remote !== undefined) {
        const requested = requestKill(cur, request);
        sent = requested !== undefined;
        return requested;
      }
      // Killed before anything started; job.finished comes from a detached deliverer.
      if (cur.state === 'queued') return killQueued(cur, signal, nowIso(), deliverInBackground(job.dir, ctx.supervisorConfig()));
      const requested = requestKill(cur, request);
      signalNow = requested !== undefined;
      return requested;
    });
    // A job killed while it waited as a record leaves its line (the dispatcher would drop the
    // ticket anyway) — marked as changing lines meanwhile, so `queue` never lists it.
    if (wasQueued && next.state === 'killed') removeJobTickets(ctx.root, job.meta.job_id);
    return next;
  };
  const state = wasQueued ? await withLineChange(ctx.root, job.meta.job_id, killStep) : await killStep();
  // The pass may start whoever it was keeping back.
  if (wasQueued && state.state === 'killed') await ctx.actions.startWaiting?.(ctx.root);
  // The group is checked by pid and start time: a job that ended meanwhile is not signalled.
  if (signalNow) sent = signalGroup({ ...job, state }, signal);
  job = { ...job, state };
  // Interrupted while it waits out the grace, kill still says what it did (the supervisor escalates).
  if (answersInterrupt) {
    ctx.interrupt?.answerWith(() => {
      const current = readJob(job.dir);
      return { ...base, sent, state: current.state.state, job: jobSummary(current) };
    });
  }
  if (!isTerminal(state.state) && state.remote !== undefined) {
    // The supervisor signals and escalates; give it the grace, the round trips and the final copy of the logs.
    job = (await waitForJob(job.dir, graceMs + REMOTE_KILL_SLACK_MS, 200, ctx.actions)).job;
  } else if (state.state === 'running') {
    let result = await waitForJob(job.dir, signal === 'SIGKILL' ? AFTER_KILL_WAIT_MS : graceMs, 200, ctx.actions);
    if (result.timedOut && signal !== 'SIGKILL') {
      signalGroup(result.job, 'SIGKILL');
      result = await waitForJob(job.dir, AFTER_KILL_WAIT_MS, 200, ctx.actions);
    }
    job = result.job;
  }
  return { ...base, sent, state: job.state.state, job: jobSummary(job) };
}
