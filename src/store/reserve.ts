// A small reserve file per running job, so that the supervisor can still record the outcome
// when the filesystem holding the store fills up: on ENOSPC the reserve is released and the
// write retried once.
import { openSync, writeSync, closeSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

const RESERVE_BYTES = 256 * 1024;
const reservePath = (dir: string): string => join(dir, '.reserve');

export function allocateReserve(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(reservePath(dir), 'w', 0o600);
    writeSync(fd, Buffer.alloc(RESERVE_BYTES));
  } catch {
    // No room even for the reserve: the outcome write may still succeed.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Frees the reserve; true when there was one to free. */
export function releaseReserve(dir: string): boolean {
  try {
    unlinkSync(reservePath(dir));
    return true;
  } catch {
    return false;
  }
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
