// The dispatcher: starts the jobs that wait as records (parked) once what they wait for is
// free, and repairs what a crash left in the lines. Whoever may have freed something runs it —
// a supervisor whose job ended (right after giving back its slots), `kill`, `run`/`start`/`submit`
// after parking, every command that reads the store (cli/main.ts), a waiter's poll (`wait`), and
// the retry timer (retry-timer.ts) when a retry's time comes. There is no daemon.
// Invariants:
// - One pass at a time, under the scheduling lock (store/waiting-lines.ts); inside it a job's
//   own lock is taken (never the other way round: nobody takes the scheduling lock under a job lock).
// - Nobody waits for another process's pass: a caller that finds the lock held stamps a request
//   (.slots/.pass-requested) that the holder serves with another pass, before or right after
//   letting go (startWaiting). A command is never held up by a pass it did not run.
// - A job is started only by the locked transition that turns it from parked into owned by the
//   supervisor just started for it (job/transitions.ts unpark); its slots are recorded (holder
//   entries naming that supervisor) in the same locked step, before its state is written. A
//   second pass, or a dispatcher that crashed half-way, finds the job not parked and starts
//   nothing: no job is started twice. A supervisor started for a transition that was never
//   written finds the job still parked and exits; its holder entries die with it. A supervisor
//   whose job ended may be that supervisor itself (takeOver): the step names it, and it runs the
//   job once its own is recorded, with no new process.
// - A start is decided with the scheduling lock confirmed (HeldLock.confirm: a pass that lost it
//   starts nothing more) and the limits' holders counted afresh from disk.
// - Dead holders are pruned in every pass: the slot of a SIGKILLed supervisor is reclaimed by the
//   next pass, whoever runs it.
// - Order: among the limit lines with room, the ticket with the oldest name (queued_at, id) goes
//   first. A job needing several limits starts only when all have room (it never holds one while
//   it waits for another, so no two jobs wait for each other); one whose other limit is full moves
//   to that limit's line, keeping its queued_at (its place there). Retry and dependency lines
//   only route: a job whose wait is over joins its first limit's line (or starts, with none).
// - A stale ticket (its job ended, was deleted or started) is removed when a pass reaches it.
import { existsSync, opendirSync } from 'node:fs';
import { join } from 'node:path';
import { applyTransition, readStateLocked } from '../job/apply.js';
import { fail, parkedWaitingFor, unpark, type ProcessIdentity } from '../job/transitions.js';
import type { JobErrorInfo, JobStateRecord } from '../job/state.js';
import type { ReconcileActions } from '../job/reconcile.js';
import { readMeta, readState } from '../store/jobs.js';
import { jobLimits, type Limit } from '../store/slot-limits.js';
import { liveHolders, recordHolder } from '../store/slot-tickets.js';
import { removeJobTickets, allLines, dependenciesDue, lineDir, markDependenciesChecked, lineLabel, lineTickets, passRequestedSince, recordedMax, removeTicket, requestPass, slotsDir, ticketJobId, ticketTime, withSchedulingLockIfFree, writeTicket, type Line } from '../store/waiting-lines.js';
import type { Config } from '../config.js';
import { bootId } from '../util/proc.js';
import { repairLineChanges, withLineChange } from '../store/line-changes.js';
import type { HeldLock } from '../store/lock.js';
import { nowIso } from '../util/time.js';
import { log } from '../log.js';
import { dependencyVerdict, waitingForJob, type DependencyEnds } from './dependencies.js';
import { retryTimerLive } from './retry-timer.js';

export interface DispatchOptions {
  /** The limits' config; undefined when it cannot be read (then nothing is started: its limits are unknown). */
  config: Config | undefined;
  /** startSupervisor starts a granted job's supervisor; deliverFinished a failed one's job.finished. */
  actions: ReconcileActions;
  /** This job, if granted, is taken by the calling process itself (its supervisor) instead of a new one. */
  adopt?: { jobId: string; identity: ProcessIdentity };
  /**
   * A supervisor whose job just ended offers to run the next one itself (main.ts): the first
   * local job granted is unparked to `identity` instead of a new process, and its id set in `taken`.
   */
  takeOver?: TakeOver;
  /** Starts the retry timer when retries wait and none runs (false in the timer itself). */
  timer?: (root: string) => void;
}

export interface TakeOver {
  identity: ProcessIdentity;
  /**
   * Gives back the ending job's slots (idempotent). Called under the scheduling lock when this
   * caller gets it, so that its pass, not another one, hands those slots on; else right away.
   */
  release(): void;
  taken?: string;
}

const key = (l: Pick<Limit, 'kind' | 'name'>): string => `${l.kind}-${l.name}`;

/**
 * The max of a limit line: the caller's config when it names the limit, else the max the line
 * was joined under (a caller with another config, or none, never serves it unlimited), else the
 * job's own (`fallback`, recorded at its creation); a line with none of these is served at once.
 */
function maxOf(root: string, config: Config | undefined, l: Pick<Limit, 'kind' | 'name'>, fallback = Number.MAX_SAFE_INTEGER): number {
  if (l.kind === 'session') return 1;
  const configured = config === undefined ? undefined : l.kind === 'queue' ? config.queues[l.name]?.max_concurrent : config.executors[l.name]?.max_concurrent;
  return configured ?? recordedMax(root, l) ?? fallback;
}

const hasEntries = (dir: string): boolean => {
  try {
    const d = opendirSync(dir);
    try {
      for (let e = d.readSync(); e !== null; e = d.readSync()) if (!e.name.startsWith('.')) return true;
      return false;
    } finally {
      d.closeSync();
    }
  } catch {
    return false;
  }
};

/** Lock-free look: could a pass start or move anything now? (Errs on the side of a pass.) */
function worthAPass(root: string, config: Config | undefined, withTimer: boolean): boolean {
  const due = lineTickets(root, 'retry')[0];
  if (due !== undefined && (ticketTime(due) <= nowIso() || (withTimer && !retryTimerLive(root)))) return true;
  if (hasEntries(lineDir(root, 'after')) && dependenciesDue(root, Date.now())) return true;
  return allLines(root, (l) => maxOf(root, config, l)).some((line) => typeof line !== 'string' && hasEntries(lineDir(root, line)) && liveHolders(root, line, false).length < line.max);
}

/** How long a caller that found a pass running waits for the lock before leaving its request to that pass. */
const HANDOFF_WAIT_MS = 300;
/**
 * How long a supervisor handing its slots on to the job it takes over waits for the lock: passes
 * take turns under it, and waiting is cheaper than the new process another pass would start.
 */
const TAKEOVER_WAIT_MS = 2000;
/** Passes one holder runs for requests that keep coming in before it leaves them to the next caller. */
const MAX_PASSES = 20;

/**
 * Starts what may start now; never throws (a failed pass is retried by the next caller). Never
 * waits for another process's pass: a caller that finds the scheduling lock held asks its holder
 * for one more pass (requestPass) and goes on. A holder looks again while requests arrive, and
 * once more after letting go if one came in meanwhile; a holder busy past HANDOFF_WAIT_MS is a
 * pass, which will see the request.
 */
export async function startWaiting(root: string, options: DispatchOptions): Promise<void> {
  const { takeOver } = options;
  if (!existsSync(slotsDir(root)) || options.config === undefined) {
    takeOver?.release();
    return;
  }
  try {
    const passes = async (lock: HeldLock): Promise<number> => {
      let started = Date.now();
      await new Pass(root, options, lock).run();
      for (let n = 1; n < MAX_PASSES && passRequestedSince(root, started); n++) {
        started = Date.now();
        await new Pass(root, options, lock).run();
      }
      return started;
    };
    if (takeOver !== undefined) {
      // The ending job's slots are handed on by this caller's own pass (to the job it takes
      // over); it waits a little for the lock rather than leave them to another process's pass.
      const turn = await withSchedulingLockIfFree(root, TAKEOVER_WAIT_MS, (lock) => {
        takeOver.release();
        return passes(lock);
      });
      takeOver.release();
      if (turn.ran && !passRequestedSince(root, turn.value)) return;
    }
    if (!worthAPass(root, options.config, options.timer !== undefined)) return;
    for (let n = 0; n < MAX_PASSES; n++) {
      let turn = await withSchedulingLockIfFree(root, 0, passes);
      if (!turn.ran) {
        requestPass(root);
        turn = await withSchedulingLockIfFree(root, HANDOFF_WAIT_MS, passes);
        if (!turn.ran) return;
      }
      if (!passRequestedSince(root, turn.value)) return;
    }
  } catch (err) {
    takeOver?.release();
    log.warn(`starting waiting jobs: ${(err as Error).message}`);
  }
}

class Pass {
  private readonly held = new Map<string, number>();
  private readonly dependencyEnds: DependencyEnds = new Map();
  constructor(private readonly root: string, private readonly options: DispatchOptions, private readonly lock: HeldLock) {}

  private count(l: Limit): number {
    let n = this.held.get(key(l));
    if (n === undefined) this.held.set(key(l), (n = liveHolders(this.root, l, true).length));
    return n;
  }
  private room = (l: Limit): boolean => this.count(l) < l.max;

  async run(): Promise<void> {
    // A change of lines cut short by a crash: the job's tickets are made to match its state.
    await repairLineChanges(this.root, async (id) => {
      const dir = join(this.root, id);
      const state = await readStateLocked(dir).catch(() => undefined);
      if (state?.state !== 'queued' || state.parked !== true) removeJobTickets(this.root, id);
    });
    const now = nowIso();
    for (const name of lineTickets(this.root, 'retry')) {
      if (ticketTime(name) > now) break;
      await this.route('retry', name);
    }
    if (dependenciesDue(this.root, Date.now())) {
      const started = Date.now();
      for (const name of lineTickets(this.root, 'after')) await this.route('after', name);
      markDependenciesChecked(this.root, started);
    }
    await this.serveLimits();
    if (lineTickets(this.root, 'retry').length > 0) this.options.timer?.(this.root);
  }

  /** Serves the limit lines with room, oldest ticket first across them. */
  private async serveLimits(): Promise<void> {
    const lines = allLines(this.root, (l) => maxOf(this.root, this.options.config, l)).filter((l): l is Limit => typeof l !== 'string');
    const queues = new Map<Limit, string[]>();
    for (const l of lines) if (this.room(l)) queues.set(l, lineTickets(this.root, l));
    for (;;) {
      let best: Limit | undefined;
      for (const [l, names] of queues) {
        if (names.length === 0 || !this.room(l)) continue;
        if (best === undefined || (names[0] as string) < ((queues.get(best) as string[])[0] as string)) best = l;
      }
      if (best === undefined) return;
      await this.route(best, (queues.get(best) as string[]).shift() as string);
    }
  }

  /** The job of ticket `name` in line `from`: started, moved to the line it waits in now, or dropped. */
  private async route(from: Line, name: string): Promise<void> {
    const id = ticketJobId(name);
    const dir = join(this.root, id);
    let state: JobStateRecord;
    try {
      state = readState(dir);
      // Not parked at first sight: decided under the job lock (a launcher may be mid-step).
      if (state.state !== 'queued' || state.parked !== true) state = await readStateLocked(dir);
    } catch {
      removeTicket(this.root, from, name);
      return;
    }
    if (state.state !== 'queued' || state.parked !== true) {
      removeTicket(this.root, from, name);
      return;
    }
    const meta = readMeta(dir);
    let next: { line: Line; label: string; time: string | undefined } | undefined;
    if (state.retry_at !== undefined && state.retry_at > nowIso()) next = { line: 'retry', label: `retry at ${state.retry_at}`, time: state.retry_at };
    else {
      const verdict = await dependencyVerdict(this.root, meta, state, this.options.actions, this.dependencyEnds);
      if (verdict !== 'ok' && !('pending' in verdict)) return this.failParked(dir, verdict, from, name);
      // The job's own limits, each served at its line's max (maxOf), whoever runs this pass.
      const limits = jobLimits(meta, this.options.config).map((l) => ({ ...l, max: maxOf(this.root, this.options.config, l, l.max) }));
      if (verdict !== 'ok') next = { line: 'after', label: waitingForJob(verdict.pending), time: state.queued_at };
      else {
        // From the retry or dependency line a job joins its first limit's line, and is served there in order.
        const full = typeof from === 'string' ? limits[0] : limits.find((l) => !this.room(l));
        if (full !== undefined) next = { line: full, label: lineLabel(full), time: state.queued_at };
        else return this.grant(dir, id, limits, from, name, meta.executor_def === undefined);
      }
    }
    if (typeof next.line !== typeof from || lineLabel(next.line) !== lineLabel(from)) {
      writeTicket(this.root, next.line, next.time, id);
      removeTicket(this.root, from, name);
    }
    const label = next.label;
    if (state.waiting_for !== label) await applyTransition(dir, (cur) => parkedWaitingFor(cur, label));
  }

  /** One locked step: the job's supervisor is started (or adopted), its slots recorded, the job unparked. */
  private async grant(dir: string, id: string, limits: Limit[], from: Line, name: string, local: boolean): Promise<void> {
    const { takeOver } = this.options;
    // A remote job's supervisor lives as long as the job and loads its executor: never taken over.
    const take = local && takeOver !== undefined && takeOver.taken === undefined ? takeOver : undefined;
    await withLineChange(this.root, id, () => this.unparkStep(dir, id, limits, from, name, take));
  }

  private async unparkStep(dir: string, id: string, limits: Limit[], from: Line, name: string, take: TakeOver | undefined): Promise<void> {
    const { actions, adopt } = this.options;
    const after = await applyTransition(dir, (cur) => {
      if (cur.state !== 'queued' || cur.parked !== true) return undefined;
      // Right before a start: this pass still holds the scheduling lock (a pass that stalled past
      // the stale period and was taken over stops here), and every limit still has room as the
      // holders on disk say, whatever this pass counted before.
      this.lock.confirm();
      if (!limits.every((l) => liveHolders(this.root, l, false).length < l.max)) return undefined;
      const who = adopt?.jobId === id ? adopt.identity : take !== undefined ? take.identity : actions.startSupervisor(dir);
      if (who === undefined) return fail(cur, { code: 'launch_failed', message: 'could not start the job supervisor' }, nowIso(), actions.deliverFinished(dir));
      for (const l of limits) recordHolder(this.root, l, { jobId: id, pid: who.pid, startTime: who.startTime });
      return unpark(cur, who, bootId());
    });
    if (after.state === 'queued' && after.parked === true) {
      // Not started (a limit turned out full): it keeps its ticket, and those lines wait for the next pass.
      for (const l of limits) this.held.set(key(l), l.max);
      return;
    }
    if (after.state === 'queued') for (const l of limits) this.held.set(key(l), this.count(l) + 1);
    if (take !== undefined && after.state === 'queued' && after.supervisor_pid === take.identity.pid) take.taken = id;
    removeTicket(this.root, from, name);
  }

  /** A dependency failed (--after-ok): the job fails without running; job.finished from a deliverer. */
  private async failParked(dir: string, error: JobErrorInfo, from: Line, name: string): Promise<void> {
    const { actions } = this.options;
    await withLineChange(this.root, ticketJobId(name), async () => {
      await applyTransition(dir, (cur) => (cur.state === 'queued' && cur.parked === true ? fail(cur, error, nowIso(), actions.deliverFinished(dir)) : undefined));
      removeTicket(this.root, from, name);
    });
  }
}
