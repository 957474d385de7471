// A job's spool directory (0700): scratch files of remote executors — a container's env file
// and prompt copy, a Slurm batch script, Slurm's output files and the signal jobctl sent.
// Invariant: every file written here is 0600, also when it replaces an earlier one.
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jobFiles } from './jobs.js';
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
  writeFileSync(path, data, { mode: 0o600 });
  chmodSync(path, 0o600);
  return path;
}

/** Removes `name` from the job's spool directory (missing is fine). */
export function removeSpoolFile(dir: string, name: string): void {
  rmSync(join(jobFiles(dir).spool, name), { force: true });
}

/** The trimmed text of a file of a spool directory, or undefined when missing or empty. */
export function readSpoolText(spool: string, name: string): string | undefined {
  try {
    return readFileSync(join(spool, name), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
