// The file behind list-index.ts: one line per job, parsed only as far as a listing needs.
// Invariants:
// - a line is `id TAB mtime TAB created_at TAB state TAB cwd TAB executor TAB name TAB rest`,
//   where state is the state's name, cwd, executor and name are JSON strings (name may be
//   `null`) and rest is the JSON of the summary and state; JSON never holds a raw tab or
//   newline, so the split is exact;
// - what a filter on immutable fields needs (created_at, cwd, executor, name) and the state's
//   name (shell completion, list-index.ts knownJobs) are read from their own columns, and the rest is parsed only for a job a listing reaches: reading the index of
//   10,000 jobs parses no JSON object besides those;
// - a line that does not hold its eight columns makes the whole file unreadable (it is then
//   rebuilt); a column that does not parse throws when it is first used (list-index.ts catches it), and that
//   job is then read from its own files: never a half-read entry.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { renameIntoPlace, writeTempFile } from './atomic.js';
import type { JobStateRecord } from '../job/state.js';
import type { MetaSummary } from './types.js';

const INDEX_FILE = '.list-index';
/** The earlier whole-JSON index: removed once the line index is written. */
const OLD_INDEX_FILE = '.list-index.json';
const HEADER = 'jobctl-list-index 4';
const COLUMNS = 8;

/** A job as cached: its summary and state, with the mtime of its directory they were read at. */
export interface Entry {
  mtime: number;
  meta: MetaSummary;
  state: JobStateRecord;
}

/** What a listing filters on before a job is validated: fields that never change. */
export interface KeptFields {
  readonly cwd: string;
  readonly executor: string;
  readonly name?: string | undefined;
}

/** One cached job: the key columns at hand, the others cut from its line when first asked for. */
export class IndexedJob implements KeptFields {
  private parsed: Entry | undefined;
  private columns: string[] | undefined;

  private constructor(
    readonly id: string,
    readonly createdAt: string,
    private readonly text: string | undefined,
    parsed: Entry | undefined,
  ) {
    this.parsed = parsed;
  }

  static fromEntry(id: string, entry: Entry): IndexedJob {
    return new IndexedJob(id, entry.meta.created_at, undefined, entry);
  }

  /** Undefined when the line does not hold the columns this file writes (their content is checked when read). */
  static fromLine(line: string): IndexedJob | undefined {
    const ends: number[] = [];
    for (let at = line.indexOf('\t'); at >= 0; at = line.indexOf('\t', at + 1)) ends.push(at);
    if (ends.length !== COLUMNS - 1 || (ends[0] as number) <= 0) return undefined;
    const cut = (i: number): string => line.slice(i === 0 ? 0 : (ends[i - 1] as number) + 1, ends[i]);
    const job = new IndexedJob(cut(0), cut(2), line, undefined);
    job.recordedMtime = Number(cut(1));
    job.recordedState = cut(3);
    return Number.isFinite(job.recordedMtime) && job.createdAt !== '' ? job : undefined;
  }

  private recordedMtime = NaN;
  private recordedState = '';

  get mtime(): number {
    return this.parsed?.mtime ?? this.recordedMtime;
  }

  /** The name of the recorded state (`queued`, `running`, ...). */
  get stateName(): string {
    return this.parsed?.state.state ?? this.recordedState;
  }

  get cwd(): string {
    return this.parsed?.meta.cwd ?? (JSON.parse(this.column(4)) as string);
  }

  get executor(): string {
    return this.parsed?.meta.executor ?? (JSON.parse(this.column(5)) as string);
  }

  get name(): string | undefined {
    if (this.parsed !== undefined) return this.parsed.meta.name;
    return (JSON.parse(this.column(6)) as string | null) ?? undefined;
  }

  /** The summary and state; throws when the line is damaged (the caller reads the job instead). */
  entry(): Entry {
    if (this.parsed === undefined) {
      const rest = JSON.parse(this.column(7)) as { meta: Omit<MetaSummary, 'job_id' | 'created_at' | 'cwd' | 'executor' | 'name'>; state: JobStateRecord };
      const name = this.name;
      const meta: MetaSummary = { job_id: this.id, created_at: this.createdAt, ...(name !== undefined ? { name } : {}), ...rest.meta, cwd: this.cwd, executor: this.executor };
      this.parsed = { mtime: this.mtime, meta, state: rest.state };
    }
    return this.parsed;
  }

  line(): string {
    if (this.text !== undefined) return this.text;
    const { mtime, meta, state } = this.entry();
    const { cwd, executor, name, ...rest } = meta;
    // id and created_at have their own columns.
    const stored: Partial<MetaSummary> = { ...rest };
    delete stored.job_id;
    delete stored.created_at;
    return [this.id, String(mtime), this.createdAt, state.state, JSON.stringify(cwd), JSON.stringify(executor), JSON.stringify(name ?? null), JSON.stringify({ meta: stored, state })].join('\t');
  }

  private column(i: number): string {
    this.columns ??= (this.text as string).split('\t');
    return this.columns[i] as string;
  }
}

export type IndexedJobs = Record<string, IndexedJob>;

/** The cached jobs by id (a map without a prototype); empty when the file is missing or unreadable. */
export function readIndexFile(root: string): IndexedJobs {
  const jobs = Object.create(null) as IndexedJobs;
  let text: string;
  try {
    text = readFileSync(join(root, INDEX_FILE), 'utf8');
  } catch {
    return jobs;
  }
  const lines = text.split('\n');
  if (lines[0] !== HEADER) return jobs;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === '') continue;
    const job = IndexedJob.fromLine(line);
    if (job === undefined) return Object.create(null) as IndexedJobs;
    jobs[job.id] = job;
  }
  return jobs;
}

/** Replaces the file (atomically); a failure is ignored: the index is only a cache. */
export function writeIndexFile(root: string, jobs: IndexedJobs): void {
  const lines = [HEADER];
  for (const id in jobs) lines.push((jobs[id] as IndexedJob).line());
  try {
    // A cache: no fsync (a file cut short by a crash fails its header or a line, and is rebuilt).
    const path = join(root, INDEX_FILE);
    renameIntoPlace(writeTempFile(path, lines.join('\n') + '\n', 0o600, false), path);
    rmSync(join(root, OLD_INDEX_FILE), { force: true });
  } catch {
    // A read-only or full store still lists.
  }
}
