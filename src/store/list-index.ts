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
import { statSync } from 'node:fs';
import { isJobIdShape } from './ids.js';
import { inspectJob, jobDir, listJobIds, readMeta } from './jobs.js';
import { IndexedJob, readIndexFile, writeIndexFile, type Entry, type IndexedJobs, type KeptFields } from './list-index-file.js';
import { isCorrupt, type CorruptJob, type JobMeta, type ListedJob, type MetaSummary } from './types.js';

const SETTLE_MS = 2000;

/** A job a listing may reach: a (cached or freshly read) entry, or a corrupt job; `key` orders them. */
type Candidate = { id: string; key: string } & ({ job: IndexedJob; checked: boolean } | { corrupt: CorruptJob });

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

/** A cached job's summary and state, or undefined when its line is damaged. */
function entryIfIntact(job: IndexedJob): Entry | undefined {
  try {
    return job.entry();
  } catch {
    return undefined;
  }
}

export interface ListQuery {
  /** Filter on what never changes (cwd, executor, name): applied before anything is validated. */
  keep(job: KeptFields): boolean;
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
  const cached = readIndexFile(root);
  const next = Object.create(null) as IndexedJobs;
  let changed = false;
  const now = Date.now();
  const store = (id: string, entry: Entry): IndexedJob => {
    const job = IndexedJob.fromEntry(id, entry);
    if (now - entry.mtime < SETTLE_MS) {
      if (id in next) {
        delete next[id]; // a stale entry is dropped, not kept
        changed = true;
      }
      return job;
    }
    next[id] = job;
    changed = true;
    return job;
  };

  const candidates: Candidate[] = [];
  let leftOut = 0;
  const corrupt = (job: CorruptJob): void => {
    if (query.acceptCorrupt?.(job) === true) candidates.push({ id: job.job_id, corrupt: job, key: new Date(job.mtime_ms).toISOString() });
  };
  /** The job read from its files (it is cached when settled); undefined when it is not listable now. */
  const readFresh = (id: string): IndexedJob | undefined => {
    const mtime = dirMtime(jobDir(root, id));
    const entry = mtime === undefined ? undefined : readEntry(jobDir(root, id), mtime);
    if (entry === undefined) return undefined;
    if (!isCorrupt(entry)) return store(id, entry);
    corrupt(entry);
    return undefined;
  };
  for (const id of listJobIds(root, isJobIdShape)) {
    const known = cached[id];
    let kept: boolean | undefined;
    if (known !== undefined) {
      next[id] = known;
      try {
        kept = query.keep(known);
      } catch {
        delete next[id]; // a damaged line: the job is read from its files instead
        changed = true;
      }
    }
    const job = kept === undefined ? readFresh(id) : known;
    if (job === undefined) continue;
    kept ??= query.keep(job);
    if (kept) candidates.push({ id, job, checked: job !== known, key: job.createdAt });
    else if (query.countLeftOut !== undefined) {
      const entry = entryIfIntact(job);
      if (entry !== undefined && query.countLeftOut(entry)) leftOut++;
    }
  }
  for (const id in cached) {
    if (!(id in next)) changed = true; // directories gone
  }
  candidates.sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : a.id < b.id ? 1 : -1));

  const jobs: (ListedJob | CorruptJob)[] = [];
  let more = false;
  for (const candidate of candidates) {
    const dir = jobDir(root, candidate.id);
    let found: ListedJob | CorruptJob | undefined;
    if ('corrupt' in candidate) found = candidate.corrupt;
    else {
      const cachedEntry = entryIfIntact(candidate.job);
      let entry: Entry | CorruptJob | undefined = cachedEntry;
      const mtime = candidate.checked ? cachedEntry?.mtime : dirMtime(dir);
      if (cachedEntry === undefined || mtime !== cachedEntry.mtime) {
        entry = mtime === undefined ? undefined : readEntry(dir, mtime);
        if (entry === undefined || isCorrupt(entry)) {
          delete next[candidate.id];
          changed = true;
          if (entry === undefined || query.acceptCorrupt?.(entry) !== true) continue;
        } else store(candidate.id, entry);
      }
      if (entry === undefined) continue;
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

  if (changed) writeIndexFile(root, next);
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
  const cached = readIndexFile(root);
  const ids = listJobIds(root, isJobIdShape);
  const created = (id: string): string => cached[id]?.createdAt ?? '\uffff';
  ids.sort((a, b) => (created(a) < created(b) ? 1 : created(a) > created(b) ? -1 : a < b ? 1 : -1));
  return ids.slice(0, limit).map((job_id) => {
    const known = cached[job_id];
    let name: string | undefined;
    try {
      name = known?.name;
    } catch {
      // A damaged line: the id alone.
    }
    return { job_id, ...(name !== undefined ? { name } : {}), ...(known !== undefined ? { state: known.stateName } : {}) };
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
  const cached = readIndexFile(root);
  const jobs: NamedJob[] = [];
  for (const job_id of listJobIds(root, isJobIdShape)) {
    const known = cached[job_id];
    let meta: Pick<MetaSummary, 'name' | 'created_at'>;
    try {
      meta = known !== undefined ? { ...(known.name !== undefined ? { name: known.name } : {}), created_at: known.createdAt } : readMeta(jobDir(root, job_id));
    } catch {
      continue;
    }
    jobs.push({ job_id, ...(meta.name !== undefined ? { name: meta.name } : {}), created_at: meta.created_at });
  }
  return jobs.sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : a.job_id < b.job_id ? 1 : -1));
}

