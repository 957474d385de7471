// Waiting for --after / --after-ok dependencies (placeholder: no waiting yet).
import type { JobErrorInfo, JobMeta } from '../store/types.js';

/** 'ok' to go on; 'gone' when the job was killed meanwhile; an error when a dependency failed. */
export async function waitForDependencies(_dir: string, meta: JobMeta): Promise<'ok' | 'gone' | JobErrorInfo> {
  return meta.after === undefined ? 'ok' : 'ok';
}
