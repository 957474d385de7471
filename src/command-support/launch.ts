// Starting a job: claim it (created → queued) under the lock (or restart it: restart-job.ts),
// start its detached supervisor and record its pid, then observe the job as the caller asked. A
// job that may have to wait (a concurrency limit, dependencies) is claimed parked instead — a
// record in its first line, no process — and the dispatcher starts its supervisor when its turn
// comes (at once if it may). The caller does not wait for the supervisor to start the process:
// with --snapshot-after 0 the answer may say `queued`.
import { claimParkedOnLaunch, deliverInBackground, startSupervisor } from '../supervisor/start.js';
import { registerJobSecrets } from './load-job.js';
import { JobError } from '../errors.js';
import { optInt, optBool, optString, type Args } from './args.js';
import { parseDuration, type Warn } from '../util/duration.js';
import { processStartTime } from '../util/proc.js';
import { nowIso } from '../util/time.js';
import { applyTransition } from '../job/apply.js';
import { assignSupervisor, claim, fail } from '../job/transitions.js';
import { readJob, readMeta } from '../store/jobs.js';
import { dirname } from 'node:path';
import { waitForJob } from '../job/wait-for-jobs.js';
import type { JobStateRecord } from '../job/state.js';
import type { JobMeta, JobRecord } from '../store/types.js';
import { jobSnapshot, type TailOptions } from '../view/job-view.js';
import type { Context } from './types.js';

const DEFAULT_SNAPSHOT_AFTER_MS = 10_000;

export interface LaunchOptions {
  /** The queued_at of a job that waits in a line (submit: strictly increasing, the file's order). */
  queuedAt?: string;
  /** false: the caller runs the dispatcher itself, once for many jobs (submit). */
  dispatch?: boolean;
}

/** `meta`: the definition when the caller has it (run), so the launcher need not read it again. */
export async function launch(ctx: Context, dir: string, meta?: JobMeta, options: LaunchOptions = {}): Promise<void> {
  // An interrupt never leaves a job claimed without its supervisor: it is answered afterwards.
  if (ctx.interrupt !== undefined) return ctx.interrupt.shield(() => claimAndStart(ctx, dir, meta, options));
  return claimAndStart(ctx, dir, meta, options);
}

async function claimAndStart(ctx: Context, dir: string, meta: JobMeta | undefined, options: LaunchOptions): Promise<void> {
  // A broken config must fail the start before the job is claimed.
  const { config } = ctx.config();
  const launcher = { pid: process.pid, startTime: processStartTime(process.pid) };
  const parked = await claimParkedOnLaunch(dir, launcher, meta ?? readMeta(dir), config, options.queuedAt);
  if (parked !== undefined) {
    checkClaimed(parked);
    if (options.dispatch !== false) await ctx.actions.startWaiting?.(dirname(dir));
    return;
  }
  checkClaimed(await applyTransition(dir, (cur) => claim(cur, launcher, nowIso())));
  await superviseQueued(ctx, dir);
}

/**
 * Starts the supervisor of a job this process just queued (claimed, or restarted) and records
 * it; a supervisor that cannot be started fails the job (launch_failed). A job that must wait
 * is parked by that supervisor's gate.
 */
export async function superviseQueued(ctx: Context, dir: string): Promise<void> {
  const configPath = ctx.supervisorConfig();
  const started = startSupervisor(dir, configPath);
  await applyTransition(dir, (cur) => {
    if (cur.state !== 'queued' || cur.supervisor_pid !== undefined) return undefined; // claimed already
    if (started !== undefined) return assignSupervisor(cur, started);
    // The supervisor could not be started, or died before claiming the job: nothing will run it.
    return fail(cur, { code: 'launch_failed', message: 'could not start the job supervisor' }, nowIso(), deliverInBackground(dir, configPath));
  });
}

function checkClaimed(claimed: JobStateRecord): void {
  if (claimed.state !== 'queued' || claimed.launcher_pid !== process.pid) {
    throw new JobError('invalid_state', `job is ${claimed.state}; only a created job can be started`, { state: claimed.state });
  }
}

/** --tail-lines and --max-bytes as given (validated), each undefined when absent. */
export function tailFlags(args: Args): Partial<TailOptions> {
  return { tailLines: optInt(args, 'tail-lines', 0, 1_000_000), maxBytes: optInt(args, 'max-bytes', 0, 64 * 1024 * 1024) };
}

export function tailOptions(args: Args, job: JobRecord): TailOptions {
  const flags = tailFlags(args);
  const raw = optBool(args, 'raw');
  return { tailLines: flags.tailLines ?? job.meta.tail_lines, maxBytes: flags.maxBytes ?? job.meta.max_bytes, raw };
}

export function pollMs(args: Args): number {
  return optInt(args, 'wait-poll-ms', 1, 3_600_000) ?? 500;
}

/**
 * From now on an interrupt of this call answers with the job's snapshot at that moment (plus
 * `extra`), as the finished call would have.
 */
export function snapshotOnInterrupt(ctx: Pick<Context, 'interrupt'>, args: Args, dir: string, startedAt: number, extra: Record<string, unknown> = {}): void {
  ctx.interrupt?.answerWith(() => {
    const job = readJob(dir);
    registerJobSecrets(job);
    return { ...jobSnapshot(job, tailOptions(args, job), Date.now() - startedAt), ...extra };
  });
}

/** Observes a started job up to --snapshot-after (or to the end with --wait) and snapshots it. */
export async function observe(args: Args, ctx: Pick<Context, 'actions' | 'warn' | 'interrupt'>, dir: string, startedAt: number): Promise<Record<string, unknown>> {
  snapshotOnInterrupt(ctx, args, dir, startedAt);
  const wait = optBool(args, 'wait');
  const snapshotAfter = optString(args, 'snapshot-after');
  const deadline = wait ? undefined : snapshotAfter !== undefined ? parseDuration(snapshotAfter, '--snapshot-after', ctx.warn) : DEFAULT_SNAPSHOT_AFTER_MS;
  const remaining = deadline === undefined ? undefined : Math.max(0, deadline - (Date.now() - startedAt));
  const { job } = await waitForJob(dir, remaining, pollMs(args), ctx.actions);
  registerJobSecrets(job); // the supervisor may have learnt more (masked keys of the env file)
  return jobSnapshot(job, tailOptions(args, job), Date.now() - startedAt);
}

/** Validates observation flags before anything is created, so bad input starts nothing. */
export function checkObserveArgs(args: Args, warn?: Warn): void {
  optBool(args, 'wait');
  const snapshotAfter = optString(args, 'snapshot-after');
  if (snapshotAfter !== undefined) parseDuration(snapshotAfter, '--snapshot-after', warn);
  pollMs(args);
  tailFlags(args);
  optBool(args, 'raw');
}
