// The records of cloud instances: <root>/.cloud/<executor>/<instance>.json (0600, in 0700
// directories), one per instance that exists or may exist. Invariants:
// - A record is written (state `provisioning`, the name jobctl chose for the instance) before
//   the provider is asked for the instance, and removed only once its destruction is
//   confirmed: whatever a crash interrupts, a record names every instance that may be billed.
// - Every read-modify-write of an executor's records happens under that executor's lock
//   (<root>/.cloud/<executor>/.lock); every write is atomic (temp file + rename).
// - `owner` is the process that provisions or destroys the instance right now, and `owner.group`
//   the process group of the provider command it runs (recorded before the command may start):
//   a record in `provisioning` or `destroying` counts as owned while the owner lives, or while a
//   member of that group lives and the record's boot deadline (created_at + boot_timeout) has
//   not passed; otherwise a crash left it.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CloudExecutor } from '../executors/types.js';
import { readJsonIfPresent, writeJsonAtomic } from './atomic.js';
import { withDirLock } from './lock.js';
import { removeQuietly } from './slot-entries.js';
import { makeDirs } from '../util/make-dirs.js';
import { bootId, isSameLiveProcess, jobGroupExists, processStartTime } from '../util/proc.js';

export type InstanceState = 'provisioning' | 'ready' | 'destroying';

/** A provider command's process group: its leader's pid (= pgid) and start time. */
export interface CommandGroup { pgid: number; start_time: string }

export interface InstanceOwner { pid: number; start_time: string; boot_id: string; group?: CommandGroup }

/** What a provider says of an instance it made. */
export interface InstanceAddress {
  instance_id?: string;
  host?: string;
  port?: number;
  user?: string;
  identity_file?: string;
  /** The instance's price per hour, as the provider gave it. */
  hourly_cost?: number;
  /** The provider's answer as it came (extra fields included): a destroy gets it back. */
  answer?: Record<string, unknown>;
}

export interface InstanceRecord extends InstanceAddress {
  /** Chosen by jobctl before the provider is asked (JOBCTL_INSTANCE_NAME, the server's name). */
  name: string;
  executor: string;
  state: InstanceState;
  created_at: string;
  ready_at?: string;
  owner?: InstanceOwner;
  /** Jobs that run (or are about to run) on it. */
  jobs: string[];
  /** Since when no job runs on it. */
  idle_since?: string;
  /** The definition it was made from: destroying it needs no config. */
  def: CloudExecutor;
  destroy_attempts?: number;
  destroy_error?: string;
  next_destroy_at?: string;
  /**
   * Destroyed by name once while a provider call may still have been making it: destroyed by
   * name once more at `next_destroy_at` (created_at + boot_timeout), then removed.
   */
  recheck?: boolean;
}

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const EXECUTOR = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export const cloudDir = (root: string): string => join(root, '.cloud');

export function executorDir(root: string, executor: string): string {
  if (!EXECUTOR.test(executor)) throw new Error(`invalid executor name ${JSON.stringify(executor.slice(0, 100))}`);
  return join(cloudDir(root), executor);
}

function recordPath(root: string, executor: string, name: string): string {
  if (!NAME.test(name)) throw new Error(`invalid instance name ${JSON.stringify(name.slice(0, 100))}`);
  return join(executorDir(root, executor), `${name}.json`);
}

/** The per-instance known_hosts file (trust on first use, for that instance only). */
export const knownHostsPath = (root: string, executor: string, name: string): string => join(executorDir(root, executor), `${name}.known_hosts`);

/** This process, as a record's owner. */
export function selfOwner(): InstanceOwner {
  return { pid: process.pid, start_time: processStartTime(process.pid) ?? '', boot_id: bootId() };
}

export const ownerLive = (owner: InstanceOwner | undefined): boolean => owner !== undefined && owner.boot_id === bootId() && isSameLiveProcess(owner.pid, owner.start_time);

/** True while a process of the owner's provider command group lives (same boot). */
export const ownerGroupLive = (owner: InstanceOwner | undefined): boolean =>
  owner?.group !== undefined && owner.boot_id === bootId() && jobGroupExists(owner.group.pgid, owner.group.start_time);

/** The time a provisioning record's provider call must be over by: created_at + boot_timeout. */
export const bootDeadline = (rec: InstanceRecord): number => Date.parse(rec.created_at) + rec.def.boot_timeout_ms;

/** True while the record is someone's: its owner lives, or its command group does before the boot deadline. */
export const recordOwned = (rec: InstanceRecord, now = Date.now()): boolean => ownerLive(rec.owner) || (ownerGroupLive(rec.owner) && now < bootDeadline(rec));

/** Executors that have instance records. */
export function cloudExecutors(root: string): string[] {
  try {
    return readdirSync(cloudDir(root), { withFileTypes: true }).filter((e) => e.isDirectory() && EXECUTOR.test(e.name)).map((e) => e.name).sort();
  } catch {
    return [];
  }
}

/** An executor's records, oldest first (lock-free: each file is whole). */
export function readInstances(root: string, executor: string): InstanceRecord[] {
  let names: string[];
  try {
    names = readdirSync(executorDir(root, executor)).filter((n) => n.endsWith('.json') && !n.startsWith('.'));
  } catch {
    return [];
  }
  const out: InstanceRecord[] = [];
  for (const n of names) {
    const rec = readJsonIfPresent<InstanceRecord>(join(executorDir(root, executor), n));
    if (rec !== undefined && typeof rec.name === 'string' && Array.isArray(rec.jobs)) out.push(rec);
  }
  return out.sort((a, b) => a.created_at.localeCompare(b.created_at) || a.name.localeCompare(b.name));
}

/**
 * Makes <root>/.cloud/<executor> inside an existing root: a root removed meanwhile (deleted by
 * its owner) is never made again by a late writer.
 */
function ensureExecutorDir(root: string, executor: string): string {
  const dir = executorDir(root, executor);
  if (!existsSync(root)) throw Object.assign(new Error(`the job root ${root} is gone`), { code: 'ENOENT' });
  makeDirs(dir, 0o700);
  return dir;
}

export function writeInstance(root: string, rec: InstanceRecord): void {
  ensureExecutorDir(root, rec.executor);
  writeJsonAtomic(recordPath(root, rec.executor, rec.name), rec);
}

/** Removes a record whose instance is confirmed gone (and its known_hosts). */
export function removeInstance(root: string, executor: string, name: string): void {
  removeQuietly(recordPath(root, executor, name));
  removeQuietly(knownHostsPath(root, executor, name));
}

/** Writes under the lock `withInstances` holds: the lock is confirmed still held first. */
export type RecordWriter = (rec: InstanceRecord) => void;

/**
 * Runs `fn` under the executor's lock with its records as they are now; `write` confirms the
 * lock is still held (a holder that lost it writes nothing) before it writes a record.
 */
export async function withInstances<T>(root: string, executor: string, fn: (records: InstanceRecord[], write: RecordWriter) => T | Promise<T>): Promise<T> {
  return withDirLock(ensureExecutorDir(root, executor), (lock) => fn(readInstances(root, executor), (rec) => {
    lock.confirm();
    writeInstance(root, rec);
  }));
}
