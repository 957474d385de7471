// Reading the event log: one query shape for the CLI, the library and the HTTP API.
// Invariants:
// - Events come in cursor order (commit order: one writer at a time takes the next cursor).
// - `next_cursor`, passed back as `after`, never skips an event that matches the same filters:
//   it is the last returned cursor when `limit` cut the answer, else the head of the log read in
//   the same snapshot as the events (every later event gets a higher cursor); never below `after`.
// - Bad input (a type not in EVENT_TYPES, a cursor or limit that is not a non-negative integer,
//   a time that does not parse, a job that is not an id) is a typed error, never a bad query.
// - A root without an event log answers no events and creates nothing.
import { JobError, usageError } from '../errors.js';
import { parseDuration } from '../util/duration.js';
import { isJobIdShape } from './ids.js';
import { EVENT_TYPES, eventDatabase, eventFromRow, hasEventLog, ioError, type JobEvent } from './event-log.js';

export type { JobEvent } from './event-log.js';

export interface EventQuery {
  /** Only events with a cursor above this one. */
  after?: number;
  /** Only events at or after this time: RFC 3339, or a duration meaning that long ago (`10m`). */
  since?: string;
  /** Only this job's events (a full job id). */
  job?: string;
  /** Only events of these types (any of them). */
  types?: string[];
  /** At most this many events (default DEFAULT_EVENT_LIMIT, at most MAX_EVENT_LIMIT). */
  limit?: number;
}

export const DEFAULT_EVENT_LIMIT = 1000;
export const MAX_EVENT_LIMIT = 10_000;

/** A query checked and normalised: `since` as an RFC 3339 UTC time. */
interface CheckedQuery {
  after: number;
  since?: string;
  job?: string;
  types?: string[];
  limit: number;
}

/** Parses a cursor given as text (a flag, a query string, Last-Event-ID); usage_error if not one. */
export function parseCursor(text: string, flag = '--after'): number {
  const value = /^\d{1,15}$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isSafeInteger(value)) throw usageError(`${flag}: ${JSON.stringify(text.slice(0, 100))} is not an event cursor (a non-negative integer)`, { flag });
  return value;
}

/** `since` as an RFC 3339 UTC time: a time as given, or a duration meaning that long before now. */
export function parseSince(text: string, now = Date.now()): string {
  if (/^\d+(ms|s|m|h|d)?$/.test(text)) return new Date(now - parseDuration(text, '--since')).toISOString();
  const stamp = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : NaN;
  if (!Number.isFinite(stamp)) throw usageError(`--since: ${JSON.stringify(text.slice(0, 100))} is neither an RFC 3339 time nor a duration such as 10m`, { flag: '--since' });
  return new Date(stamp).toISOString();
}

/** Throws usage_error unless every type is an event type; the message lists them. */
export function checkEventTypes(types: readonly string[]): void {
  const unknown = types.filter((t) => !(EVENT_TYPES as readonly string[]).includes(t));
  if (unknown.length > 0) {
    throw usageError(`unknown event type ${unknown.map((t) => JSON.stringify(t.slice(0, 100))).join(', ')}; event types: ${EVENT_TYPES.join(', ')}`, { types: [...EVENT_TYPES] });
  }
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function checkQuery(q: EventQuery): CheckedQuery {
  if (q.after !== undefined && !isCount(q.after)) throw usageError('after: an event cursor is a non-negative integer', { after: q.after });
  const limit = q.limit ?? DEFAULT_EVENT_LIMIT;
  if (!isCount(limit) || limit < 1 || limit > MAX_EVENT_LIMIT) throw usageError(`limit: expected an integer from 1 to ${MAX_EVENT_LIMIT}`, { limit: q.limit });
  if (q.job !== undefined && !isJobIdShape(q.job)) throw new JobError('job_not_found', `no job ${JSON.stringify(q.job.slice(0, 100))}`, { job_id: q.job.slice(0, 100) });
  if (q.types !== undefined) checkEventTypes(q.types);
  const checked: CheckedQuery = { after: q.after ?? 0, limit };
  if (q.since !== undefined) checked.since = parseSince(q.since);
  if (q.job !== undefined) checked.job = q.job;
  if (q.types !== undefined && q.types.length > 0) checked.types = [...new Set(q.types)];
  return checked;
}

/** The SQL and parameters of a checked query. */
function sqlOf(q: CheckedQuery): { sql: string; params: (string | number)[] } {
  const where = ['cursor > ?'];
  const params: (string | number)[] = [q.after];
  if (q.job !== undefined) {
    where.push('job_id = ?');
    params.push(q.job);
  }
  if (q.types !== undefined) {
    where.push(`event_type IN (${q.types.map(() => '?').join(', ')})`);
    params.push(...q.types);
  }
  if (q.since !== undefined) {
    where.push('at >= ?');
    params.push(q.since);
  }
  params.push(q.limit);
  return { sql: `SELECT cursor, event_type, at, job_id, fields FROM events WHERE ${where.join(' AND ')} ORDER BY cursor LIMIT ?`, params };
}

interface EventRow {
  cursor: number;
  event_type: string;
  at: string;
  job_id: string;
  fields: string;
}

/** The rows of a checked query and the head of the log, read in one snapshot; io_error on a bad log. */
function readRows(root: string, q: CheckedQuery): { rows: EventRow[]; headCursor: number } {
  try {
    const db = eventDatabase(root);
    const { sql, params } = sqlOf(q);
    const select = db.prepare<(string | number)[], EventRow>(sql);
    const head = db.prepare<[], { seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'events'");
    return db.transaction(() => ({ rows: select.all(...params), headCursor: head.get()?.seq ?? 0 }))();
  } catch (err) {
    throw ioError(root, err);
  }
}

/** The events matching `q` in cursor order, and the cursor to pass as `after` next time. */
export function queryEvents(root: string, q: EventQuery): { events: JobEvent[]; next_cursor: number } {
  const checked = checkQuery(q);
  if (!hasEventLog(root)) return { events: [], next_cursor: checked.after };
  const { rows, headCursor } = readRows(root, checked);
  // Cursors are never reused: one past the newest comes from another log (it was removed and
  // made again), and waiting for it would wait for ever.
  if (checked.after > headCursor) throw usageError(`cursor ${checked.after} is ahead of the event log (its newest is ${headCursor}): it was made again; start from 0`, { after: checked.after, head: headCursor });
  const events = rows.map(eventFromRow);
  const last = events.at(-1)?.cursor;
  const next = events.length === checked.limit && last !== undefined ? last : Math.max(headCursor, last ?? 0);
  return { events, next_cursor: Math.max(next, checked.after) };
}
