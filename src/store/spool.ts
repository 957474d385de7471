// A job's spool directory (0700): scratch files of remote executors — a container's env file
// and prompt copy, a Slurm batch script, Slurm's output files and the signal jobctl sent.
// Invariants: every file written here is 0600, also when it replaces an earlier one; a file
// planted as a symlink is replaced, never written or read through (atomic.ts, safe-open.ts).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { jobFiles } from './jobs.js';
import { writeFileAtomic } from './atomic.js';
import { readFileText } from './safe-open.js';
import { makeDirs } from '../util/make-dirs.js';

/** Creates the job's spool directory (0700) for executor scratch files; returns its path. */
export function ensureSpool(dir: string): string {
  const spool = jobFiles(dir).spool;
  makeDirs(spool, 0o700);
  return spool;
}

/** Writes `name` in the job's spool directory (0600); returns its path. */
export function writeSpoolFile(dir: string, name: string, data: string | Buffer): string {
  const path = join(ensureSpool(dir), name);
  writeFileAtomic(path, data, 0o600, false);
  return path;
}

/** Removes `name` from the job's spool directory (missing is fine). */
export function removeSpoolFile(dir: string, name: string): void {
  rmSync(join(jobFiles(dir).spool, name), { force: true });
}

/** The trimmed text of a file of a spool directory, or undefined when missing or empty. */
export function readSpoolText(spool: string, name: string): string | undefined {
  try {
    return readFileText(join(spool, name)).trim() || undefined;
  } catch {
    return undefined;
  }
}
