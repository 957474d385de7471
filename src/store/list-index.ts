// A cache of job summaries for `list`, so that listing 10,000 jobs neither parses 20,000 JSON
// files nor stats 10,000 directories. Invariants: the job directories stay the truth —
// - the set of jobs is always the directory listing of the root (a directory the index does
//   not know, e.g. restored from a backup, is read directly; entries of vanished ones are dropped);
// - a cached entry is used only after its directory's mtime was checked against the one
//   recorded with it (every meta/state write is a rename, which changes that mtime). Only the
//   candidates a listing actually reaches are checked: the newest first, by the immutable
//   created_at and cwd kept in the index, until the limit is filled;
// - only entries whose directory has been quiet for SETTLE_MS are cached, because directory
//   mtimes come from a coarse clock (two renames within one tick leave the same mtime).
// The index is rewritten atomically when it changed; concurrent writers race harmlessly because
// every entry is re-validated on use. A corrupt job (store/jobs.ts inspectJob) is never cached:
// it is read again on every listing and offered to the query as it is (acceptCorrupt), placed
// by its directory's mtime since its creation time cannot be read.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic.js';
import { isJobIdShape } from './ids.js';
import { inspectJob, jobDir, listJobIds, readMeta } from './jobs.js';
import { isCorrupt, type CorruptJob, type JobMeta, type ListedJob, type MetaSummary } from './types.js';

const INDEX_FILE = '.list-index.json';
const INDEX_VERSION = 2;
const SETTLE_MS = 2000;

interface Entry extends Omit<ListedJob, 'dir'> {
  mtime: number;
}

/** A job a listing may reach: a (cached or freshly read) entry, or a corrupt job; `key` orders them. */
type Candidate = { id: string; key: string } & ({ entry: Entry; checked: boolean } | { corrupt: CorruptJob });

interface IndexFile {
  version: number;
  entries: Record<string, Entry>;
}


function readIndex(root: string): Record<string, Entry> {
  try {
    const parsed = JSON.parse(readFileSync(join(root, INDEX_FILE), 'utf8')) as IndexFile;
    // A map without a prototype: a directory named `constructor` must not find Object's.
    return Object.assign(Object.create(null) as Record<string, Entry>, parsed.version === INDEX_VERSION ? parsed.entries : {});
  } catch {
    return Object.create(null) as Record<string, Entry>;
  }
}

function summarize(meta: JobMeta): MetaSummary {
  const { job_id, created_at, name, command, cwd, tags, executor, mask, agent } = meta;
  return { job_id, created_at, ...(name !== undefined ? { name } : {}), command, cwd, tags, executor, mask, ...(agent !== undefined ? { agent: { name: agent.name } } : {}) };
}

const dirMtime = (dir: string): number | undefined => statSync(dir, { throwIfNoEntry: false })?.mtimeMs;

/** Reads a job from its files (or what makes it corrupt); undefined when it is being created or deleted right now. */
function readEntry(dir: string, mtime: number): Entry | CorruptJob | undefined {
  try {
    const job = inspectJob(dir);
    if (isCorrupt(job)) return job;
    return { mtime, meta: summarize(job.meta), state: job.state };
  } catch {
    return undefined;
  }
}

export interface ListQuery {
  /** Filter on what never changes (cwd, created_at): applied before anything is validated. */
  keep(meta: MetaSummary): boolean;
  /** Final decision on a validated job (mutable fields: state, tags); may reconcile it. */
  accept(job: ListedJob): Promise<ListedJob | undefined>;
  limit: number;
  /** Whether a corrupt job is listed (none are without it). */
  acceptCorrupt?(job: CorruptJob): boolean;
  /**
   * Counts the jobs `keep` left out that this accepts, judged on the index's summaries as they
   * are (nothing is re-read or reconciled for them): what `list` says it left out.
   */
  countLeftOut?(job: Omit<ListedJob, 'dir'>): boolean;
}

export interface ListResult {
  jobs: (ListedJob | CorruptJob)[];
  /** More jobs match than were returned. */
  more: boolean;
  /** How many jobs `keep` left out that `countLeftOut` accepted (0 without it). */
  leftOut: number;
}

/** The newest `limit` jobs accepted by the query. */
export async function listJobs(root: string, query: ListQuery): Promise<ListResult> {
  const cached = readIndex(root);
  const next = Object.create(null) as Record<string, Entry>;
  let changed = false;
  const now = Date.now();
  const store = (id: string, entry: Entry): void => {
    if (now - entry.mtime < SETTLE_MS) {
      if (id in next) {
        delete next[id]; // a stale entry is dropped, not kept
        changed = true;
      }
      return;
    }
    next[id] = entry;
    if (cached[id] !== entry) changed = true;
  };

  const candidates: Candidate[] = [];
  let leftOut = 0;
  const corrupt = (job: CorruptJob): void => {
    if (query.acceptCorrupt?.(job) === true) candidates.push({ id: job.job_id, corrupt: job, key: new Date(job.mtime_ms).toISOString() });
  };
  for (const id of listJobIds(root, isJobIdShape)) {
    let entry: Entry | CorruptJob | undefined = cached[id];
    let checked = false;
    if (entry === undefined) {
      const mtime = dirMtime(jobDir(root, id));
      entry = mtime === undefined ? undefined : readEntry(jobDir(root, id), mtime);
      if (entry === undefined) continue;
      if (isCorrupt(entry)) {
        corrupt(entry);
        continue;
      }
      checked = true;
      store(id, entry);
    } else {
      next[id] = entry;
    }
    if (query.keep(entry.meta)) candidates.push({ id, entry, checked, key: entry.meta.created_at });
    else if (query.countLeftOut?.(entry) === true) leftOut++;
  }
  if (Object.keys(cached).some((id) => !(id in next))) changed = true; // directories gone
  candidates.sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : a.id < b.id ? 1 : -1));

  const jobs: (ListedJob | CorruptJob)[] = [];
  let more = false;
  for (const candidate of candidates) {
    const dir = jobDir(root, candidate.id);
    let found: ListedJob | CorruptJob | undefined;
    if ('corrupt' in candidate) found = candidate.corrupt;
    else {
      let entry: Entry | CorruptJob | undefined = candidate.entry;
      if (!candidate.checked) {
        const mtime = dirMtime(dir);
        if (mtime !== entry.mtime) {
          entry = mtime === undefined ? undefined : readEntry(dir, mtime);
          if (entry === undefined || isCorrupt(entry)) {
            delete next[candidate.id];
            changed = true;
            if (entry === undefined || query.acceptCorrupt?.(entry) !== true) continue;
          } else store(candidate.id, entry);
        }
      }
      found = isCorrupt(entry) ? entry : await query.accept({ dir, meta: entry.meta, state: entry.state });
    }
    const job = found;
    if (job === undefined) continue;
    if (jobs.length === query.limit) {
      more = true;
      break;
    }
    jobs.push(job);
  }

  if (changed) {
    try {
      writeFileAtomic(join(root, INDEX_FILE), JSON.stringify({ version: INDEX_VERSION, entries: next } satisfies IndexFile), 0o600, false);
    } catch {
      // A read-only or full store still lists; the index is only a cache.
    }
  }
  return { jobs, more, leftOut };
}

export interface KnownJob {
  job_id: string;
  name?: string;
  state?: string;
}

/**
 * The jobs of the root for shell completion, newest first, from the directory listing and the
 * index alone (no job file is read, nothing is validated): a job the index does not know yet
 * comes first, without name or state.
 */
export function knownJobs(root: string, limit: number): KnownJob[] {
  const cached = readIndex(root);
  const ids = listJobIds(root, isJobIdShape);
  const created = (id: string): string => cached[id]?.meta.created_at ?? '\uffff';
  ids.sort((a, b) => (created(a) < created(b) ? 1 : created(a) > created(b) ? -1 : a < b ? 1 : -1));
  return ids.slice(0, limit).map((job_id) => {
    const entry = cached[job_id];
    return { job_id, ...(entry?.meta.name !== undefined ? { name: entry.meta.name } : {}), ...(entry !== undefined ? { state: entry.state.state } : {}) };
  });
}

export interface NamedJob {
  job_id: string;
  name?: string;
  created_at: string;
}

/**
 * Every job of the root with its name and creation time, newest first (ties by id). Both never
 * change, so the index answers for the jobs it knows; only the others have meta.json read (a
 * job being created or deleted right now is left out).
 */
export function namedJobs(root: string): NamedJob[] {
  const cached = readIndex(root);
  const jobs: NamedJob[] = [];
  for (const job_id of listJobIds(root, isJobIdShape)) {
    let meta: Pick<MetaSummary, 'name' | 'created_at'>;
    try {
      meta = cached[job_id]?.meta ?? readMeta(jobDir(root, job_id));
    } catch {
      continue;
    }
    jobs.push({ job_id, ...(meta.name !== undefined ? { name: meta.name } : {}), created_at: meta.created_at });
  }
  return jobs.sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : a.job_id < b.job_id ? 1 : -1));
}

