// Read-modify-write of job files happens under one proper-lockfile lock per job directory
// (<dir>/.lock); slot bookkeeping locks each limit directory the same way (withDirLock). A lock
// left by a dead holder goes stale and is taken over.
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { JobError } from '../errors.js';
import { isNoSpace, releaseReserve } from './reserve.js';

const LOCK_OPTIONS = {
  realpath: false,
  stale: 5000,
  update: 1000,
  retries: { retries: 200, minTimeout: 5, maxTimeout: 50, factor: 1.3 },
};

export async function withJobLock<T>(dir: string, fn: () => T | Promise<T>): Promise<T> {
  // A job deleted meanwhile: say so at once rather than retrying a lock that cannot be taken.
  if (!existsSync(join(dir, 'meta.json'))) throw new JobError('job_not_found', `job ${dir} was deleted`, { dir });
  // Loaded on first use: read-only commands never pay for proper-lockfile and graceful-fs.
  const { default: lockfile } = await import('proper-lockfile');
  const acquire = () => lockfile.lock(join(dir, 'meta.json'), { ...LOCK_OPTIONS, lockfilePath: join(dir, '.lock') });
  let release: () => Promise<void>;
  try {
    release = await acquire().catch((err: unknown) => {
      if (isNoSpace(err) && releaseReserve(dir)) return acquire();
      throw err;
    });
  } catch (err) {
    const errno = (err as NodeJS.ErrnoException).code;
    throw new JobError('io_error', `could not lock job: ${(err as Error).message}`, { dir, ...(errno ? { errno } : {}) }, true);
  }
  try {
    return await fn();
  } finally {
    await release().catch(() => undefined);
  }
}

/** Runs `fn` under the proper-lockfile lock `<dir>/.lock` of a store directory other than a job's. */
export async function withDirLock<T>(dir: string, fn: () => T | Promise<T>): Promise<T> {
  const { default: lockfile } = await import('proper-lockfile');
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(dir, { ...LOCK_OPTIONS, lockfilePath: join(dir, '.lock') });
  } catch (err) {
    const errno = (err as NodeJS.ErrnoException).code;
    throw new JobError('io_error', `could not lock ${dir}: ${(err as Error).message}`, { dir, ...(errno ? { errno } : {}) }, true);
  }
  try {
    return await fn();
  } finally {
    await release().catch(() => undefined);
  }
}
