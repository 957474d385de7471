// The files of concurrency slots: <root>/.slots/<kind>-<name>/{holders,waiting}/ and the
// holder entries in them ({job_id, pid, start_time, boot_id} of a job's supervisor). The rules of who
// may take a slot are slot-tickets.ts'; this module only names, reads and writes the entries.
import { readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Limit } from './slot-limits.js';
import { isJobIdShape } from './ids.js';
import { bootId, isSameLiveProcess } from '../util/proc.js';
import { makeDirs } from '../util/make-dirs.js';

/** Who takes a slot: the job and its supervisor. */
export interface Claimant { jobId: string; queuedAt: string; pid: number; startTime: string }

export interface Entry { job_id: string; pid: number; start_time: string; boot_id: string }
export interface Named { name: string; entry: Entry }

export const LIMIT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function limitDir(root: string, l: Limit): string {
  if (!LIMIT_NAME.test(l.name)) throw new Error(`invalid ${l.kind} name ${JSON.stringify(l.name.slice(0, 100))}`);
  return join(root, '.slots', `${l.kind}-${l.name}`);
}
export const holdersDir = (root: string, l: Limit): string => join(limitDir(root, l), 'holders');
export const waitingDir = (root: string, l: Limit): string => join(limitDir(root, l), 'waiting');
/** Where a limit line records the max it was joined under (see waiting-lines.ts). */
export const maxFile = (root: string, l: Pick<Limit, 'kind' | 'name'>): string => join(limitDir(root, { ...l, max: 0 }), '.max');

export function checkId(jobId: string): string {
  if (!isJobIdShape(jobId)) throw new Error(`invalid job id ${JSON.stringify(jobId.slice(0, 100))}`);
  return jobId;
}
export const entryOf = (c: Claimant): Entry => ({ job_id: c.jobId, pid: c.pid, start_time: c.startTime, boot_id: bootId() });

export function readEntry(path: string): Entry | undefined {
  try {
    const e = JSON.parse(readFileSync(path, 'utf8')) as Partial<Entry>;
    return typeof e.job_id === 'string' && typeof e.pid === 'number' && typeof e.start_time === 'string' && typeof e.boot_id === 'string' ? (e as Entry) : undefined;
  } catch {
    return undefined;
  }
}

export const isLive = (e: Entry | undefined): e is Entry => e !== undefined && e.boot_id === bootId() && isSameLiveProcess(e.pid, e.start_time);

export const removeQuietly = (path: string): void => {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
};

/** Live entries of a directory in name order; with `prune`, dead or unreadable ones are removed. */
export function liveEntries(dir: string, prune: boolean): Named[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => !n.startsWith('.')).sort();
  } catch {
    return [];
  }
  const out: Named[] = [];
  for (const name of names) {
    const entry = readEntry(join(dir, name));
    if (isLive(entry)) out.push({ name, entry });
    else if (prune) removeQuietly(join(dir, name));
  }
  return out;
}

let tempCounter = 0;
/** Replaces an entry atomically (temp file + rename; no fsync: a crash ends every holder anyway). */
export function writeEntry(path: string, entry: object): void {
  const tmp = join(dirname(path), `.${process.pid}.${++tempCounter}.tmp`);
  try {
    writeFileSync(tmp, JSON.stringify(entry) + '\n', { mode: 0o600 });
    renameSync(tmp, path);
  } catch (err) {
    removeQuietly(tmp);
    throw err;
  }
}

/** Creates the limits' directories (0700) if missing; returns the directories a waiter watches. */
export function ensureSlotDirs(root: string, limits: Limit[]): string[] {
  const dirs = limits.flatMap((l) => [holdersDir(root, l), waitingDir(root, l)]);
  for (const dir of dirs) makeDirs(dir, 0o700);
  return dirs;
}
