// Read-modify-write of job files happens under one lock per job directory (<dir>/.lock); slot
// bookkeeping locks each limit directory the same way (withDirLock).
// Invariants:
// - A lock is a directory made by mkdir (atomic: one process makes it); its holder refreshes its
//   mtime every UPDATE_MS. One not refreshed for STALE_MS (its holder died or stalled), one whose
//   mtime lies more than STALE_MS in the future, and anything at the lock path that is not a
//   plain directory (a file, a symlink) was not left by a live holder: it is taken over, never
//   obeyed for ever.
// - A holder can lose its lock (stalled past STALE_MS, taken over): HeldLock.confirm(), called
//   right before a write, notices and throws LockLost, so the holder writes nothing.
// - Nobody waits for a lock past its deadline: LOCK_WAIT_MS, or less inside withLockDeadline
//   (a command with a --timeout), or not at all (withDirLockIfFree). A job directory that
//   vanishes meanwhile is job_not_found.
import { AsyncLocalStorage } from 'node:async_hooks';
import { existsSync, lstatSync, mkdirSync, renameSync, rmdirSync, rmSync, utimesSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { JobError } from '../errors.js';
import { isNoSpace, releaseReserve } from './reserve.js';
import { assertRealDirectory } from './safe-open.js';

const STALE_MS = 5000;
const UPDATE_MS = 1000;
const LOCK_WAIT_MS = 10_000;
const RETRY_FIRST_MS = 5;
const RETRY_MAX_MS = 50;

/** Thrown by a holder that no longer holds its lock (or finds the state it read replaced). */
export class LockLost extends JobError {
  constructor(path: string, why: string) {
    super('io_error', `lost the lock ${path}: ${why}`, { path, reason: 'lock_lost' }, true);
  }
}

/** What a holder can ask of its lock while it holds it. */
export interface HeldLock {
  /** Throws LockLost unless this process still holds the lock (and renews it). */
  confirm(): void;
}

const deadlines = new AsyncLocalStorage<number>();

/** Runs `fn` with every lock wait inside it ending by `untilMs` (epoch ms) at the latest. */
export function withLockDeadline<T>(untilMs: number, fn: () => Promise<T>): Promise<T> {
  const outer = deadlines.getStore();
  return deadlines.run(outer === undefined ? untilMs : Math.min(outer, untilMs), fn);
}

const errnoOf = (err: unknown): string | undefined => (err as NodeJS.ErrnoException).code;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const held = new Set<string>();
let asideCounter = 0;

/** Why what is at the lock path was not left by a live holder, or undefined while it may be. */
function abandonedBecause(st: Stats, now: number): string | undefined {
  if (!st.isDirectory()) return 'not a directory';
  if (st.mtimeMs < now - STALE_MS) return 'stale';
  if (st.mtimeMs > now + STALE_MS) return 'mtime in the future';
  return undefined;
}

/** Takes an abandoned lock away (renamed aside first: of two takers, one wins); true to retry at once. */
function takeOverIfAbandoned(lockPath: string): boolean {
  let st: Stats;
  try {
    st = lstatSync(lockPath);
  } catch {
    return true; // released meanwhile
  }
  if (abandonedBecause(st, Date.now()) === undefined) return false;
  const aside = `${lockPath}.abandoned.${process.pid}.${++asideCounter}`;
  try {
    renameSync(lockPath, aside);
  } catch {
    return true; // someone else took it over first
  }
  rmSync(aside, { recursive: true, force: true });
  return true;
}

function holdLock(lockPath: string): HeldLock & { release(): void } {
  // mkdir stamped the lock with the filesystem's time: that is its first refresh, unless that
  // clock is not this host's (a network filesystem), which would make others judge it stale.
  let first = lstatSync(lockPath);
  if (Math.abs(first.mtimeMs - Date.now()) > 1000) {
    const stamp = new Date();
    utimesSync(lockPath, stamp, stamp);
    first = lstatSync(lockPath);
  }
  let ino = first.ino;
  let mtimeMs = first.mtimeMs;
  let refreshedAt = Date.now();
  let lost: string | undefined;
  /** Checks the lock is still the one this holder made, and refreshes it when `refresh`. */
  const check = (refresh: boolean): void => {
    if (lost !== undefined) return;
    try {
      const now = lstatSync(lockPath);
      if (now.ino !== ino || now.mtimeMs !== mtimeMs) {
        lost = 'taken over by another process after this one stalled';
        return;
      }
      if (!refresh) return;
      const t = new Date();
      utimesSync(lockPath, t, t);
      const after = lstatSync(lockPath);
      ino = after.ino;
      mtimeMs = after.mtimeMs;
      refreshedAt = Date.now();
    } catch {
      lost = 'removed by another process after this one stalled';
    }
  };
  const timer = setInterval(() => check(true), UPDATE_MS);
  timer.unref();
  held.add(lockPath);
  return {
    confirm() {
      // A write follows: the lock must be far from stale, so it is refreshed unless it just was.
      check(Date.now() - refreshedAt >= UPDATE_MS / 2);
      if (lost !== undefined) throw new LockLost(lockPath, lost);
    },
    release() {
      clearInterval(timer);
      held.delete(lockPath);
      check(false);
      if (lost === undefined) rmdirSync(lockPath);
    },
  };
}

process.once('exit', () => {
  for (const path of held) {
    try { rmdirSync(path); } catch { /* gone */ }
  }
});

/** Waits for the lock at `lockPath` up to `waitMs` and the deadline; ENOENT when its directory is gone. */
async function acquire(lockPath: string, waitMs = LOCK_WAIT_MS): Promise<HeldLock & { release(): void }> {
  const deadline = Math.min(Date.now() + waitMs, deadlines.getStore() ?? Infinity);
  let delay = RETRY_FIRST_MS;
  for (;;) {
    try {
      mkdirSync(lockPath, 0o700);
      return holdLock(lockPath);
    } catch (err) {
      if (errnoOf(err) !== 'EEXIST') throw err;
    }
    if (takeOverIfAbandoned(lockPath)) continue;
    const left = deadline - Date.now();
    if (left <= 0) throw Object.assign(new Error(`${lockPath} is held by another process`), { code: 'ELOCKED' });
    await sleep(Math.min(delay, left));
    delay = Math.min(RETRY_MAX_MS, delay * 1.5);
  }
}

async function withLock<T>(dir: string, fn: (lock: HeldLock) => T | Promise<T>, onError: (err: unknown) => JobError, waitMs?: number): Promise<T> {
  const lockPath = join(dir, '.lock');
  let lock: HeldLock & { release(): void };
  try {
    lock = await acquire(lockPath, waitMs).catch((err: unknown) => {
      if (isNoSpace(err) && releaseReserve(dir)) return acquire(lockPath, waitMs);
      throw err;
    });
  } catch (err) {
    throw onError(err);
  }
  try {
    return await fn(lock);
  } finally {
    try { lock.release(); } catch { /* gone with its directory */ }
  }
}

const lockError = (what: string, dir: string, err: unknown): JobError => {
  const errno = errnoOf(err);
  return new JobError('io_error', `could not lock ${what}: ${(err as Error).message}`, { dir, ...(errno ? { errno } : {}) }, true);
};

export async function withJobLock<T>(dir: string, fn: (lock: HeldLock) => T | Promise<T>): Promise<T> {
  const gone = () => new JobError('job_not_found', `job ${dir} was deleted`, { dir });
  // A job deleted meanwhile: say so at once rather than retrying a lock that cannot be taken.
  if (!existsSync(join(dir, 'meta.json'))) throw gone();
  // A job directory replaced by a symlink: its lock would be made outside the root.
  try {
    assertRealDirectory(dir);
  } catch (err) {
    throw err instanceof JobError ? err : gone();
  }
  return withLock(dir, fn, (err) => (errnoOf(err) === 'ENOENT' ? gone() : lockError('job', dir, err)));
}

/** Runs `fn` under the lock `<dir>/.lock` of a store directory other than a job's. */
export async function withDirLock<T>(dir: string, fn: (lock: HeldLock) => T | Promise<T>): Promise<T> {
  return withLock(dir, fn, (err) => lockError(dir, dir, err));
}

/** Runs `fn` under `<dir>/.lock` if it is free within `waitMs` (0: now); `{ ran: false }` when still held. */
export async function withDirLockIfFree<T>(dir: string, waitMs: number, fn: (lock: HeldLock) => T | Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
  let held = false;
  try {
    const value = await withLock(dir, fn, (err) => {
      held = errnoOf(err) === 'ELOCKED';
      return lockError(dir, dir, err);
    }, waitMs);
    return { ran: true, value };
  } catch (err) {
    if (held) return { ran: false };
    throw err;
  }
}
