// The job store: the only code that reads or writes job directories.
// Invariants:
// - <root>/<id>/ is created 0700 with meta.json and state.json (0600) before anything else
//   refers to the job; a directory without meta.json is not a job.
// - meta.json and state.json are only ever replaced atomically (atomic.ts), and every
//   read-modify-write holds the job lock (lock.ts), so concurrent writers never lose an update.
//   state.json is written here at creation only; every later change is a lifecycle transition
//   written by state-file.ts.
// - Secret values live only in secrets.json (0600), never in meta.json or state.json.
// - A job is deleted under its lock (deleteJob): no read-modify-write can land in a deleted job.
// - Creating a job appends job.created, deleting one job.deleted, to the root's event log
//   (event-log.ts; never fails the creation or the delete).
// - Nothing under the root is followed through a symlink or read from a special file
//   (safe-open.ts): a job directory that is a link, or a job file that is one, is an io_error.
// - A job whose meta.json or state.json cannot be read as a job record is `corrupt`
//   (inspectJob): listed with the reason, and deletable.
import { mkdirSync, existsSync, lstatSync, readdirSync, renameSync, rmSync, statfsSync, chmodSync, accessSync, constants as fsConstants } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { appendEvents, type NewEvent } from './event-log.js';
import { writeJsonAtomic, writeFileAtomic, readJson, fsyncDir } from './atomic.js';
import { withJobLock } from './lock.js';
import { noteDependencyChange } from './waiting-lines.js';
import { directoryProblem, readFileText } from './safe-open.js';
import { isCorrupt, secretValues, type CorruptJob, type JobMeta, type JobRecord, type Secrets } from './types.js';
import type { JobStateRecord } from '../job/state.js';
import { JobError } from '../errors.js';
import { makeDirs } from '../util/make-dirs.js';

export const jobDir = (root: string, id: string): string => join(root, id);

export const jobFiles = (dir: string) => ({
  meta: join(dir, 'meta.json'),
  state: join(dir, 'state.json'),
  secrets: join(dir, 'secrets.json'),
  stdout: join(dir, 'stdout.log'),
  stderr: join(dir, 'stderr.log'),
  completion: join(dir, 'completion_event.json'),
  outputEvents: join(dir, 'notification_events.ndjson'),
  outputEventScratch: join(dir, 'output_event.json'),
  supervisorLog: join(dir, 'supervisor.log'),
  /** An agent job's prompt (0600), the agent's stdin. */
  prompt: join(dir, 'prompt.txt'),
  /** A command job's stdin (0600), given with --stdin or --stdin-file. */
  stdin: join(dir, 'stdin'),
  /** An agent job's activity record, kept by its supervisor. */
  agent: join(dir, 'agent.json'),
  /** Resource use of a remote job, sampled by its supervisor. */
  resources: join(dir, 'resources.json'),
  /** Scratch space of remote executors (Slurm batch script and output files). */
  spool: join(dir, 'spool'),
});

/** An io_error naming the job root and the path that failed (a parent, a job directory). */
export function rootError(root: string, doing: string, err: unknown): JobError {
  const e = err as NodeJS.ErrnoException;
  return new JobError('io_error', `${doing} job root ${root}: ${e.message}`, { root, path: e.path ?? root, ...(e.code ? { errno: e.code } : {}) });
}

/**
 * Creates the job root (0700, with missing parents) and checks it can be written: a root under
 * /proc, under a regular file or on a read-only filesystem fails here at once, with no retry.
 */
export function ensureRoot(root: string): void {
  try {
    makeDirs(root, 0o700);
    accessSync(root, fsConstants.W_OK | fsConstants.X_OK);
  } catch (err) {
    throw rootError(root, 'cannot use', err);
  }
}

/** Creates the job directory with its definition and `created` state (the root exists: ensureRoot). */
/** What a job reads on its stdin: an agent's prompt, or a command job's --stdin bytes. */
export interface JobInput {
  prompt?: Buffer;
  stdin?: Buffer;
}

export function createJob(root: string, meta: JobMeta, secrets: Secrets, input: JobInput = {}): string {
  try {
    return writeNewJob(root, meta, secrets, input);
  } catch (err) {
    if (err instanceof JobError) throw err;
    throw rootError(root, 'cannot create a job in', err);
  }
}

function writeNewJob(root: string, meta: JobMeta, secrets: Secrets, input: JobInput): string {
  const dir = jobDir(root, meta.job_id);
  mkdirSync(dir, { mode: 0o700 });
  chmodSync(dir, 0o700);
  const files = jobFiles(dir);
  // The directory is synced once for secrets and state, then once more for meta.json, which
  // must only ever exist after them: its presence is what makes the directory a job.
  if (secretValues(secrets).length > 0) writeJsonAtomic(files.secrets, secrets, 0o600, false);
  if (input.prompt !== undefined) writeFileAtomic(files.prompt, input.prompt, 0o600, false);
  if (input.stdin !== undefined) writeFileAtomic(files.stdin, input.stdin, 0o600, false);
  writeJsonAtomic(files.state, { state: 'created', updated_at: meta.created_at } satisfies JobStateRecord, 0o600, false);
  fsyncDir(dir);
  writeJsonAtomic(files.meta, meta);
  fsyncDir(root);
  appendEvents(root, [createdEvent(meta)]);
  return dir;
}

/** The job.created event of a new job. */
export const createdEvent = (meta: JobMeta): NewEvent => ({ event_type: 'job.created', at: meta.created_at, job_id: meta.job_id, tags: meta.tags, executor: meta.executor, ...(meta.name !== undefined ? { name: meta.name } : {}) });

export function readMeta(dir: string): JobMeta {
  return readJson<JobMeta>(jobFiles(dir).meta);
}

export function readState(dir: string): JobStateRecord {
  return readJson<JobStateRecord>(jobFiles(dir).state);
}

/** state.json as it is on disk (the bytes a compare-and-set compares). */
export function readStateText(dir: string): string {
  return readFileText(jobFiles(dir).state);
}

export function readSecrets(dir: string): Secrets {
  const path = jobFiles(dir).secrets;
  return existsSync(path) ? readJson<Secrets>(path) : { env: {}, known: {} };
}

/** Adds secret values learnt when the job starts (masked keys of its env file). */
export function addSecrets(dir: string, values: Record<string, string>): void {
  if (Object.keys(values).length === 0) return;
  const current = readSecrets(dir);
  writeJsonAtomic(jobFiles(dir).secrets, { ...current, known: { ...current.known, ...values } } satisfies Secrets, 0o600);
}

export function readJob(dir: string): JobRecord {
  const found = inspectJob(dir);
  if ('reason' in found) throw new JobError('io_error', `job ${dir} is corrupt: ${found.reason}`, { dir, reason: found.reason });
  return found;
}

/** Why a parsed file is not a job record of its kind, or undefined when it looks like one. */
function shapeProblem(value: unknown, field: string): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  return typeof (value as Record<string, unknown>)[field] === 'string' ? undefined : `no ${field}`;
}

/**
 * The job in `dir`, or what makes it corrupt (meta.json or state.json unreadable, garbled or
 * not a record). Throws job_not_found when it is gone, and an io_error for a directory that is
 * a symlink or for a job file planted as a link or special file — never followed or read.
 */
export function inspectJob(dir: string): JobRecord | CorruptJob {
  const files = jobFiles(dir);
  const parse = (path: string, field: string): { value: unknown } | { reason: string } => {
    const name = path.slice(dir.length + 1);
    let text: string;
    try {
      text = readFileText(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && path === files.meta) throw err;
      return { reason: code === 'ENOENT' ? `${name}: missing` : (err as Error).message };
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return { reason: `${name}: ${text.trim() === '' ? 'empty' : 'not valid JSON'}` };
    }
    const problem = shapeProblem(value, field);
    return problem === undefined ? { value } : { reason: `${name}: ${problem}` };
  };
  try {
    const link = directoryProblem(dir);
    if (link !== undefined) return { dir, job_id: basename(dir), reason: link, mtime_ms: lstatSync(dir).mtimeMs };
    const meta = parse(files.meta, 'job_id');
    const state = parse(files.state, 'state');
    if ('value' in meta && 'value' in state) return { dir, meta: meta.value as JobMeta, state: state.value as JobStateRecord };
    const reason = 'reason' in meta ? meta.reason : (state as { reason: string }).reason;
    return { dir, job_id: basename(dir), reason, mtime_ms: lstatSync(dir).mtimeMs };
  } catch (err) {
    if (err instanceof JobError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new JobError('job_not_found', `job directory ${dir} is gone`, { dir });
    throw new JobError('io_error', `cannot read job ${dir}: ${(err as Error).message}`, { dir });
  }
}

/** Under the lock: a job deleted meanwhile (meta.json renamed away) takes no more writes. */
export function assertStillAJob(dir: string): void {
  if (!existsSync(jobFiles(dir).meta)) throw new JobError('job_not_found', `job ${dir} was deleted`, { dir });
}

/** Read-modify-write of meta.json under the job lock. */
export async function updateMeta(dir: string, change: (current: JobMeta) => JobMeta): Promise<JobMeta> {
  return withJobLock(dir, (lock) => {
    assertStillAJob(dir);
    const next = change(readMeta(dir));
    lock.confirm();
    writeJsonAtomic(jobFiles(dir).meta, next);
    return next;
  });
}

/** Names of all job directories under the root (a missing root has none; one that is not a directory is an io_error). */
export function listJobIds(root: string, isId: (name: string) => boolean): string[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw rootError(root, 'cannot read', err);
  }
  return names.filter(isId);
}

/** Size of a file under the root as it is (a symlink is not followed); 0 when missing. */
export function fileSize(path: string): number {
  try {
    return lstatSync(path).size;
  } catch {
    return 0;
  }
}

/** Bytes used by a job directory (its files; job dirs are flat). */
export function dirBytes(dir: string): number {
  let total = 0;
  try {
    for (const name of readdirSync(dir)) total += fileSize(join(dir, name));
  } catch {
    return total;
  }
  return total;
}

/** What meta.json is renamed to while a job is deleted; a directory holding it is debris. */
export const DELETED_META = 'meta.json.deleted';

/** Removes what an interrupted delete left (meta.json renamed away, files still there). */
export function removeDeletionDebris(root: string, isId: (name: string) => boolean): number {
  let removed = 0;
  for (const id of listJobIds(root, isId)) {
    const dir = jobDir(root, id);
    if (existsSync(join(dir, DELETED_META)) && !existsSync(jobFiles(dir).meta)) {
      try {
        rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
        removed++;
      } catch {
        // Left for the next gc: one stubborn directory must not stop the others.
      }
    }
  }
  return removed;
}

/**
 * Deletes a job unless `refuse` (called under the job lock with the job as it is now: its
 * record, or what makes it corrupt) says why not. Under the lock meta.json is renamed away,
 * which ends the directory's life as a job at once (ids no longer resolve to it, a concurrent
 * `start` cannot claim it); the files go after. A directory that is a symlink is refused.
 */
export async function deleteJob(dir: string, refuse: (job: JobRecord | CorruptJob) => JobError | undefined): Promise<{ job: JobRecord | CorruptJob; bytes: number }> {
  const found = await withJobLock(dir, (lock) => {
    assertStillAJob(dir);
    const job = inspectJob(dir);
    const why = refuse(job);
    if (why !== undefined) throw why;
    const bytes = dirBytes(dir);
    lock.confirm();
    renameSync(jobFiles(dir).meta, join(dir, DELETED_META));
    return { job, bytes };
  });
  // The job is gone once meta.json is: recorded before the files go (gc removes what is left).
  const job = found.job;
  const deleted = isCorrupt(job)
    ? { job_id: job.job_id, tags: [], executor: 'local', state: 'corrupt' }
    : { job_id: job.meta.job_id, tags: job.meta.tags, executor: job.meta.executor, state: job.state.state };
  appendEvents(dirname(dir), [{ event_type: 'job.deleted', ...deleted }]);
  rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  noteDependencyChange(dirname(dir));
  return found;
}

/** Below this much free space a writer may already have hit ENOSPC (writes are page-sized). */
const FULL_BELOW_BYTES = 64 * 1024;

/** True when the filesystem holding the job is (nearly) out of space for unprivileged writes. */
export function filesystemFull(dir: string): boolean {
  const free = freeBytes(dir);
  return free !== undefined && free < FULL_BELOW_BYTES;
}

/** Space available to unprivileged writes on the filesystem holding `path`; undefined if unknown. */
export function freeBytes(path: string): number | undefined {
  try {
    const fs = statfsSync(path);
    return fs.bavail * fs.bsize;
  } catch {
    return undefined;
  }
}
