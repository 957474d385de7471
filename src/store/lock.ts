// Read-modify-write of job files happens under one proper-lockfile lock per job directory
// (<dir>/.lock). A lock left by a dead holder goes stale and is taken over.
import lockfile from 'proper-lockfile';
import { join } from 'node:path';
import { JobError } from '../errors.js';

const LOCK_OPTIONS = {
  realpath: false,
  stale: 5000,
  update: 1000,
  retries: { retries: 200, minTimeout: 5, maxTimeout: 50, factor: 1.3 },
};

export async function withJobLock<T>(dir: string, fn: () => T | Promise<T>): Promise<T> {
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(join(dir, 'meta.json'), { ...LOCK_OPTIONS, lockfilePath: join(dir, '.lock') });
  } catch (err) {
    throw new JobError('io_error', `could not lock job: ${(err as Error).message}`, { dir }, true);
  }
  try {
    return await fn();
  } finally {
    await release().catch(() => undefined);
  }
}
