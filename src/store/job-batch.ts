// Creating many jobs in one call (submit): the files createJob writes, made durable together.
// Invariants (those of createJob, jobs.ts, for every job of the batch):
// - meta.json, whose presence makes a directory a job, is renamed into place only after every
//   job's other files and every meta.json's content are durable; a crash before that leaves
//   directories without meta.json (not jobs), a crash after it whole jobs; a batch that fails
//   (a write refused, the disk full) removes every directory it made, so it creates no job.
// - Durability costs two filesystem syncs for the whole batch (atomic.ts syncFilesystem)
//   instead of several fsyncs per job; job.created of every job is one event-log transaction.
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { appendEvents } from './event-log.js';
import { renameIntoPlace, syncFilesystem, writeTempFile } from './atomic.js';
import { createdEvent, jobDir, jobFiles, rootError, type JobInput } from './jobs.js';
import { secretValues, type JobMeta, type Secrets } from './types.js';
import type { JobStateRecord } from '../job/state.js';
import { JobError } from '../errors.js';

export interface NewJob {
  meta: JobMeta;
  secrets: Secrets;
  input: JobInput;
}

const json = (value: unknown): string => JSON.stringify(value, null, 2) + '\n';

/** Writes each job's directory and files but meta.json; `made`: the directories, `written`: every path (for a fallback sync). */
function writeBodies(root: string, jobs: NewJob[], made: string[], written: string[]): void {
  for (const { meta, secrets, input } of jobs) {
    const dir = jobDir(root, meta.job_id);
    mkdirSync(dir, { mode: 0o700 });
    made.push(dir);
    chmodSync(dir, 0o700);
    written.push(dir);
    const files = jobFiles(dir);
    const put = (path: string, data: string | Buffer): void => {
      renameIntoPlace(writeTempFile(path, data, 0o600, false), path);
      written.push(path);
    };
    if (secretValues(secrets).length > 0) put(files.secrets, json(secrets));
    if (input.prompt !== undefined) put(files.prompt, input.prompt);
    if (input.stdin !== undefined) put(files.stdin, input.stdin);
    put(files.state, json({ state: 'created', updated_at: meta.created_at } satisfies JobStateRecord));
  }
}

/** Creates every job of `jobs` under `root` (which exists: ensureRoot); their directories, in order. */
export function createJobs(root: string, jobs: NewJob[]): string[] {
  const made: string[] = [];
  const written: string[] = [root];
  const sync = (): void => syncFilesystem(root, () => written);
  try {
    writeBodies(root, jobs, made, written);
    const metas = jobs.map(({ meta }) => {
      const path = jobFiles(jobDir(root, meta.job_id)).meta;
      const tmp = writeTempFile(path, json(meta), 0o600, false);
      written.push(tmp);
      return { tmp, path };
    });
    sync();
    for (const { tmp, path } of metas) renameIntoPlace(tmp, path);
    sync();
  } catch (err) {
    // Nothing of a failed batch stays: no meta.json was renamed unless every rename before it
    // worked, and the directories go (what a crash leaves instead is not a job either).
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
    throw err instanceof JobError ? err : rootError(root, 'cannot create a job in', err);
  }
  appendEvents(root, jobs.map(({ meta }) => createdEvent(meta)));
  return jobs.map(({ meta }) => jobDir(root, meta.job_id));
}
