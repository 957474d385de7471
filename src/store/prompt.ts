// What a job reads on its stdin, written 0600 in the 0700 job directory when the job is
// created: prompt.txt (an agent job's prompt) or stdin (a command job's --stdin bytes).
// Invariant: the bytes only ever travel as file content or on stdin — never in an argv, an
// environment variable, meta.json or state.json.
import { openSync, readFileSync } from 'node:fs';
import { jobFiles } from './jobs.js';
import type { JobMeta } from './types.js';
import { JobError } from '../errors.js';

/** The file the job's command reads on stdin, or undefined (its stdin is /dev/null). */
function inputPath(dir: string, meta: Pick<JobMeta, 'agent' | 'stdin_bytes'>): string | undefined {
  if (meta.agent !== undefined) return jobFiles(dir).prompt;
  return meta.stdin_bytes !== undefined ? jobFiles(dir).stdin : undefined;
}

/** The exact bytes the job reads on stdin, or undefined for none. Throws when unreadable. */
export function readJobInput(dir: string, meta: Pick<JobMeta, 'agent' | 'stdin_bytes'>): Buffer | undefined {
  const path = inputPath(dir, meta);
  return path === undefined ? undefined : readFileSync(path);
}

/** The job's stdin file opened for reading, or undefined for none (/dev/null). */
export function openJobInput(dir: string, meta: Pick<JobMeta, 'agent' | 'stdin_bytes'>): number | undefined {
  const path = inputPath(dir, meta);
  if (path === undefined) return undefined;
  try {
    return openSync(path, 'r');
  } catch (err) {
    throw new JobError('io_error', `cannot open the job's stdin file: ${(err as Error).message}`);
  }
}
