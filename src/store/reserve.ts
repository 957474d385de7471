// A small reserve file per running job, so that the supervisor can still record the outcome
// when the filesystem holding the store fills up: on ENOSPC the reserve is released and the
// write retried once. Only the supervisor that allocated it may release it (a `status` or `run`
// racing a full disk must not eat the space kept for the outcome), so a missing reserve at
// the end also tells the supervisor that the disk was full at some point.
import { openSync, writeSync, closeSync, unlinkSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const RESERVE_BYTES = 256 * 1024;
/** Set in the supervisor process only. */
let owner = false;
/** The zeros written, allocated once per process (a chain supervisor reserves for every job). */
let zeros: Buffer | undefined;
const reservePath = (dir: string): string => join(dir, '.reserve');

export function allocateReserve(dir: string): void {
  owner = true;
  let fd: number | undefined;
  try {
    fd = openSync(reservePath(dir), 'w', 0o600);
    zeros ??= Buffer.alloc(RESERVE_BYTES);
    writeSync(fd, zeros);
  } catch {
    // No room even for the reserve: the outcome write may still succeed.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Frees the reserve (in the supervisor only); true when there was one to free. */
export function releaseReserve(dir: string): boolean {
  if (!owner) return false;
  try {
    unlinkSync(reservePath(dir));
    return true;
  } catch {
    return false;
  }
}

/** True when the reserve is gone: the supervisor needed it, so the disk was full. */
export function reserveUsed(dir: string): boolean {
  return !existsSync(reservePath(dir));
}

export function isNoSpace(err: unknown): boolean {
  const e = err as { code?: unknown; details?: { errno?: unknown } } | undefined;
  return e?.code === 'ENOSPC' || e?.details?.errno === 'ENOSPC';
}

/** Runs `write`; on ENOSPC frees the reserve and runs it once more. */
export function withReserve<T>(dir: string, write: () => T): T {
  try {
    return write();
  } catch (err) {
    if (isNoSpace(err) && releaseReserve(dir)) return write();
    throw err;
  }
}
