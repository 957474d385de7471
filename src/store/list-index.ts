// A cache of job summaries for `list`, so that listing 10,000 jobs does not parse 20,000 JSON
// files. Invariants: the job directories stay the truth — an entry is used only while its
// directory's mtime equals the one recorded with it (every meta/state write is a rename, which
// changes that mtime), directories the index does not know are read directly, and entries of
// vanished directories are dropped. The index is rewritten atomically whenever it was stale;
// concurrent writers race harmlessly because every entry is re-validated on read.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic.js';
import { isJobIdShape } from './ids.js';
import { jobDir, listJobIds, readJob } from './jobs.js';
import type { JobMeta, JobRecord, JobStateRecord, ListedJob, MetaSummary } from './types.js';

const INDEX_FILE = '.list-index.json';
/**
 * Directory mtimes come from a coarse kernel clock: two renames within one tick leave the same
 * mtime. Only entries whose directory has been quiet this long are cached.
 */
const SETTLE_MS = 2000;
const INDEX_VERSION = 1;

interface Entry {
  mtime: number;
  meta: MetaSummary;
  state: JobStateRecord;
}
interface IndexFile {
  version: number;
  entries: Record<string, Entry>;
}

function readIndex(root: string): Record<string, Entry> {
  try {
    const parsed = JSON.parse(readFileSync(join(root, INDEX_FILE), 'utf8')) as IndexFile;
    return parsed.version === INDEX_VERSION ? parsed.entries : {};
  } catch {
    return {};
  }
}

function summarize(meta: JobMeta): MetaSummary {
  const { job_id, created_at, name, command, cwd, tags, executor } = meta;
  return { job_id, created_at, ...(name !== undefined ? { name } : {}), command, cwd, tags, executor };
}

/** Every job of the root, from the index where it is still valid, else from its files. */
export function listJobs(root: string): ListedJob[] {
  const cached = readIndex(root);
  const fresh: Record<string, Entry> = {};
  const jobs: ListedJob[] = [];
  let changed = false;
  const now = Date.now();
  for (const id of listJobIds(root, isJobIdShape)) {
    const dir = jobDir(root, id);
    let mtime: number;
    try {
      mtime = statSync(dir).mtimeMs;
    } catch {
      continue;
    }
    let entry = cached[id];
    if (entry === undefined || entry.mtime !== mtime) {
      let job: JobRecord;
      try {
        job = readJob(dir);
      } catch {
        continue; // being created or deleted right now
      }
      entry = { mtime, meta: summarize(job.meta), state: job.state };
      if (now - mtime < SETTLE_MS) {
        jobs.push({ dir, meta: entry.meta, state: entry.state });
        continue;
      }
      changed = true;
    }
    fresh[id] = entry;
    jobs.push({ dir, meta: entry.meta, state: entry.state });
  }
  if (changed || Object.keys(cached).some((id) => fresh[id] === undefined)) {
    try {
      writeFileAtomic(join(root, INDEX_FILE), JSON.stringify({ version: INDEX_VERSION, entries: fresh } satisfies IndexFile));
    } catch {
      // A read-only or full store still lists; the index is only a cache.
    }
  }
  return jobs;
}
