// The event log of a root: one SQLite database, <root>/.events/events.db (WAL), holding every
// applied lifecycle transition and every notification delivery as one row.
// Invariants:
// - `cursor` is INTEGER PRIMARY KEY AUTOINCREMENT: strictly increasing in commit order and never
//   reused, even after retention deleted every row (sqlite_sequence keeps the high-water mark).
// - Appending never fails or stalls its caller for long: the state change it records is already
//   on disk. A busy database is waited for at most BUSY_TIMEOUT_MS; any error (busy, disk full,
//   a corrupt or foreign file) is a warning on stderr and the event is dropped — state.json stays
//   the truth, the log is a record of it. A database that cannot be opened is not retried by the
//   same process (one warning, not one per event).
// - better-sqlite3 (a native addon) is loaded at the first use only: a command that writes and
//   reads no event never pays for it.
// - `.events` is not id-shaped, so listing, gc and id resolution never take it for a job.
import { createRequire } from 'node:module';
import { existsSync, lstatSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { log } from '../log.js';
import { JobError } from '../errors.js';
import { nowIso } from '../util/time.js';
import { fileKind, notADirectory, notRegularFile } from '../util/fs-checks.js';

type Database = BetterSqlite3.Database;

/** Every event type the log records. */
export const EVENT_TYPES = [
  'job.created', 'job.queued', 'job.started', 'job.finished', 'job.lost', 'job.kill_requested',
  'job.retried', 'job.restarted', 'job.deleted', 'notify.delivered', 'notify.failed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** One event as stored and returned: the common fields, then the type's own. */
export interface JobEvent {
  cursor: number;
  event_type: string;
  at: string;
  job_id: string;
  tags: string[];
  executor: string;
  [k: string]: unknown;
}

/** What an event says besides its job: its type, its time (default: now), its own fields. */
export interface EventBody {
  event_type: EventType;
  at?: string;
  [k: string]: unknown;
}

/** What a writer hands in: everything but the cursor (given by the log). */
export interface NewEvent extends EventBody {
  job_id: string;
  tags: string[];
  executor: string;
}

/** How long an append waits for another writer before it gives up (and warns). */
const BUSY_TIMEOUT_MS = 2000;
/** WAL pages after which a writer checkpoints, and the size the WAL file is cut back to. */
const WAL_CHECKPOINT_PAGES = 256;
const WAL_SIZE_LIMIT_BYTES = 1024 * 1024;

export const eventLogDir = (root: string): string => join(root, '.events');
export const eventLogPath = (root: string): string => join(eventLogDir(root), 'events.db');

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  cursor INTEGER PRIMARY KEY AUTOINCREMENT,
  event_type TEXT NOT NULL,
  at TEXT NOT NULL,
  job_id TEXT NOT NULL,
  fields TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_job ON events (job_id, cursor);
CREATE INDEX IF NOT EXISTS events_type ON events (event_type, cursor);
CREATE INDEX IF NOT EXISTS events_at ON events (at);
`;

let driver: typeof BetterSqlite3 | undefined;
function loadDriver(): typeof BetterSqlite3 {
  driver ??= createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
  return driver;
}

const open = new Map<string, Database>();
/**
 * Roots whose database could not be opened by this process, with when: tried again after
 * REOPEN_AFTER_MS, so a long-lived process (serve, a supervisor) records events again once the
 * log is mended.
 */
const broken = new Map<string, { message: string; at: number }>();
const REOPEN_AFTER_MS = 5000;
/** Failures already warned about by this process (an unopenable log warns once until it is mended). */
const warned = new Set<string>();

/** The message of an event-log failure, naming the file. */
const failure = (root: string, err: unknown): string => `event log ${eventLogPath(root)}: ${(err as Error).message}`;

/**
 * The root's database, opened (and created: directory 0700, file 0600, WAL, schema) once per
 * process. Throws an io_error when it cannot be opened or is not an event log.
 */
export function eventDatabase(root: string): Database {
  const cached = open.get(root);
  if (cached !== undefined) return cached;
  const known = broken.get(root);
  if (known !== undefined && Date.now() - known.at < REOPEN_AFTER_MS) throw new JobError('io_error', known.message, { path: eventLogPath(root) });
  let db: Database | undefined;
  try {
    mkdirSync(eventLogDir(root), { mode: 0o700, recursive: false });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError(root, err);
  }
  // SQLite creates the file and its -wal/-shm with the process umask (its journals copy the
  // file's mode): only the owner may read what jobs did.
  const umask = process.umask(0o077);
  try {
    assertPlainFiles(root);
    const Sqlite = loadDriver();
    const fresh = !existsSync(eventLogPath(root));
    db = new Sqlite(eventLogPath(root), { timeout: BUSY_TIMEOUT_MS });
    // A new file only, before its first table: on an existing one the pragma rewrites the header
    // (a journal and an fsync) on every open.
    if (fresh) db.pragma('auto_vacuum = INCREMENTAL');
    if (db.pragma('journal_mode = WAL', { simple: true }) !== 'wal') throw new Error('cannot switch to WAL mode');
    db.pragma('synchronous = NORMAL');
    // A small WAL, cut back after each checkpoint: a log of a few events takes little space.
    db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`);
    db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
    initialise(db);
  } catch (err) {
    db?.close();
    const error = ioError(root, err);
    broken.set(root, { message: error.message, at: Date.now() });
    throw error;
  } finally {
    process.umask(umask);
  }
  // Mended: a later failure is warned about again.
  if (broken.delete(root)) warned.clear();
  open.set(root, db);
  return db;
}

/**
 * Refuses a log directory that is not a real directory, and log files that are not regular files
 * (SQLite would follow a symlink planted there, out of the root).
 */
function assertPlainFiles(root: string): void {
  const dirKind = notADirectory(eventLogDir(root));
  if (dirKind !== undefined) throw new JobError('io_error', `${eventLogDir(root)} is ${dirKind}, not a directory; jobctl does not follow it`, { path: eventLogDir(root) });
  for (const path of [eventLogPath(root), `${eventLogPath(root)}-wal`, `${eventLogPath(root)}-shm`]) {
    let kind: string | undefined;
    try {
      const st = lstatSync(path);
      kind = st.isFile() ? undefined : fileKind(st);
    } catch {
      kind = undefined; // Not there yet: SQLite creates it.
    }
    if (kind !== undefined) throw notRegularFile(path, kind);
  }
}

/** Marks the file as a jobctl event log (SQLite's application_id): 'jobe'. */
const APPLICATION_ID = 0x6a6f6265;

/** Creates the schema in a new database; refuses a foreign one (tables, another application id). */
function initialise(db: Database): void {
  // The common case, a log made earlier: its schema came with its mark, in one transaction.
  if (db.pragma('application_id', { simple: true }) === APPLICATION_ID) return;
  db.transaction(() => {
    const id = db.pragma('application_id', { simple: true }) as number;
    if (id === APPLICATION_ID) return db.exec(SCHEMA);
    const tables = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM sqlite_master').get()?.n ?? 0;
    if (id !== 0 || tables > 0) throw new Error('not a jobctl event log (a foreign SQLite database)');
    db.pragma(`application_id = ${APPLICATION_ID}`);
    db.exec(SCHEMA);
  }).immediate();
}

/** An io_error naming the event log and what went wrong with it. */
export function ioError(root: string, err: unknown): JobError {
  if (err instanceof JobError) return err;
  return new JobError('io_error', failure(root, err), { path: eventLogPath(root), ...((err as { code?: string }).code ? { errno: (err as { code: string }).code } : {}) });
}

/** True when the root has an event log (a reader need not create one). */
export const hasEventLog = (root: string): boolean => existsSync(eventLogPath(root));

/** Closes the root's database (tests, a server shutting down). */
export function closeEventLog(root: string): void {
  open.get(root)?.close();
  open.delete(root);
  broken.delete(root);
}

/** Splits an event into its columns: the indexed ones and the rest as JSON. */
function row(event: NewEvent): [string, string, string, string] {
  const { event_type, at, job_id, ...fields } = event;
  return [event_type, typeof at === 'string' ? at : nowIso(), job_id, JSON.stringify(fields)];
}

const INSERT = 'INSERT INTO events (event_type, at, job_id, fields) VALUES (?, ?, ?, ?)';

/** A database's insert as one transaction, prepared once (a supervisor appends for every job). */
const appenders = new WeakMap<Database, (events: NewEvent[]) => void>();
function appender(db: Database): (events: NewEvent[]) => void {
  let append = appenders.get(db);
  if (append === undefined) {
    const insert = db.prepare(INSERT);
    append = db.transaction((events: NewEvent[]) => {
      for (const event of events) insert.run(...row(event));
    });
    appenders.set(db, append);
  }
  return append;
}

/**
 * Appends events in one transaction; never throws. On any failure the events are dropped with
 * a warning on stderr (see the invariants above).
 */
export function appendEvents(root: string, events: NewEvent[]): void {
  if (events.length === 0) return;
  try {
    appender(eventDatabase(root))(events);
  } catch (err) {
    const message = err instanceof JobError ? err.message : failure(root, err);
    if (!warned.has(message)) log.warn(`${message}; ${events.map((e) => `${e.event_type} of ${e.job_id}`).join(', ')} not recorded`);
    if (broken.has(root)) warned.add(message);
  }
}
/** Inserts many events at once, failing loudly (filling a log for a benchmark or a test). */
export function insertEventsBulk(root: string, events: Iterable<NewEvent>): number {
  const db = eventDatabase(root);
  const insert = db.prepare(INSERT);
  let count = 0;
  db.transaction(() => {
    for (const event of events) {
      insert.run(...row(event));
      count++;
    }
  })();
  return count;
}

/** Rebuilds an event from its stored columns. */
export function eventFromRow(r: { cursor: number; event_type: string; at: string; job_id: string; fields: string }): JobEvent {
  const fields = JSON.parse(r.fields) as Record<string, unknown>;
  return { cursor: r.cursor, event_type: r.event_type, at: r.at, job_id: r.job_id, tags: [], executor: 'local', ...fields };
}
