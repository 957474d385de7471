// What a job reads on its stdin, written 0600 in the 0700 job directory when the job is
// created: prompt.txt (an agent job's prompt) or stdin (a command job's --stdin bytes).
// Invariant: the bytes only ever travel as file content or on stdin — never in an argv, an
// environment variable, meta.json or state.json. Opened like every job file (store/safe-open.ts).
import { closeSync, readFileSync } from 'node:fs';
import { jobFiles } from './jobs.js';
import { openForRead } from './safe-open.js';
import type { JobMeta } from './types.js';
import { JobError } from '../errors.js';

/** The file the job's command reads on stdin, or undefined (its stdin is /dev/null). */
function inputPath(dir: string, meta: Pick<JobMeta, 'agent' | 'stdin_bytes'>): string | undefined {
  if (meta.agent !== undefined) return jobFiles(dir).prompt;
  return meta.stdin_bytes !== undefined ? jobFiles(dir).stdin : undefined;
}

/** The exact bytes the job reads on stdin, or undefined for none. Throws when unreadable. */
export function readJobInput(dir: string, meta: Pick<JobMeta, 'agent' | 'stdin_bytes'>): Buffer | undefined {
  const fd = openJobInput(dir, meta);
  if (fd === undefined) return undefined;
  try {
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The job's stdin file opened for reading, or undefined for none (/dev/null). */
export function openJobInput(dir: string, meta: Pick<JobMeta, 'agent' | 'stdin_bytes'>): number | undefined {
  const path = inputPath(dir, meta);
  if (path === undefined) return undefined;
  let fd: number | undefined;
  try {
    fd = openForRead(path);
  } catch (err) {
    throw new JobError('io_error', `cannot open the job's stdin file: ${(err as Error).message}`);
  }
  if (fd === undefined) throw new JobError('io_error', `cannot open the job's stdin file: ${path} is missing`);
  return fd;
}
