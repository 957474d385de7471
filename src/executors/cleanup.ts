// Removing what a finished remote job left on its executor (container, remote directory), for
// `delete` and `gc`. Best effort and bounded: an unreachable executor never blocks a delete.
import type { JobRecord } from '../store/types.js';
import { createTarget } from './create-target.js';

const CLEANUP_TIMEOUT_MS = 20_000;

export interface CleanupResult {
  ok: boolean;
  error?: string;
}

export async function cleanupRemote(job: JobRecord): Promise<CleanupResult | undefined> {
  const def = job.meta.executor_def;
  const id = job.state.remote;
  if (def === undefined || id === undefined) return undefined;
  const target = createTarget(def, job.dir, job.meta);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${CLEANUP_TIMEOUT_MS}ms`)), CLEANUP_TIMEOUT_MS);
  });
  try {
    await Promise.race([target.cleanup(id), timeout]);
    return { ok: true };
  } catch (err) {
    return { ok: false, error: (err as Error).message.slice(0, 500) };
  } finally {
    clearTimeout(timer);
    await target.close().catch(() => undefined);
  }
}
