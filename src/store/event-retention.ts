// Retention of the event log ([events] max_age, max_bytes in config.toml), applied by `gc`.
// Invariants: only whole events go, oldest cursors first; cursors are never reused (the log's
// AUTOINCREMENT high-water mark survives the delete); freed pages are returned to the
// filesystem (incremental vacuum). A root without an event log is left as it is.
import { eventDatabase, hasEventLog, ioError } from './event-log.js';

export interface EventRetention {
  /** Events older than this many milliseconds go. */
  maxAgeMs?: number;
  /** The oldest events go until the log's live pages fit in this many bytes. */
  maxBytes?: number;
}

/** How many of the oldest events to delete so that `usedBytes` of `rows` events fits `maxBytes`. */
export function rowsOverBudget(rows: number, usedBytes: number, maxBytes: number): number {
  if (usedBytes <= maxBytes || rows === 0) return 0;
  // Pages hold events of about the same size: remove the share that is over, plus a tenth of
  // the budget as headroom so the next append does not push the log over again at once.
  return Math.min(rows, Math.ceil((rows * (usedBytes - maxBytes * 0.9)) / usedBytes));
}

/** Rows deleted per transaction: appenders never wait long for the write lock (they give up after 2 s). */
const DELETE_BATCH = 5000;

/** Deletes every event up to `cursor` (inclusive), oldest first, in short transactions; returns how many. */
function deleteThrough(db: ReturnType<typeof eventDatabase>, cursor: number): number {
  const batch = db.prepare('DELETE FROM events WHERE cursor IN (SELECT cursor FROM events WHERE cursor <= ? ORDER BY cursor LIMIT ?)');
  let removed = 0;
  for (;;) {
    const n = batch.run(cursor, DELETE_BATCH).changes;
    removed += n;
    if (n < DELETE_BATCH) return removed;
  }
}

/**
 * Deletes what the retention settings say has to go, always the oldest cursors first (an event
 * older than max_age goes with every event before it); returns how many events were removed.
 */
export function applyEventRetention(root: string, retention: EventRetention, now = Date.now()): number {
  if (!hasEventLog(root) || (retention.maxAgeMs === undefined && retention.maxBytes === undefined)) return 0;
  try {
    const db = eventDatabase(root);
    let removed = 0;
    if (retention.maxAgeMs !== undefined) {
      const last = db.prepare<[string], { c: number | null }>('SELECT max(cursor) AS c FROM events WHERE at < ?').get(new Date(now - retention.maxAgeMs).toISOString())?.c;
      if (typeof last === 'number') removed += deleteThrough(db, last);
    }
    if (retention.maxBytes !== undefined) {
      const pageSize = db.pragma('page_size', { simple: true }) as number;
      const used = ((db.pragma('page_count', { simple: true }) as number) - (db.pragma('freelist_count', { simple: true }) as number)) * pageSize;
      const rows = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM events').get()?.n ?? 0;
      const over = rowsOverBudget(rows, used, retention.maxBytes);
      const last = over > 0 ? db.prepare<[number], { cursor: number }>('SELECT cursor FROM events ORDER BY cursor LIMIT 1 OFFSET ?').get(over - 1)?.cursor : undefined;
      if (last !== undefined) removed += deleteThrough(db, last);
    }
    if (removed > 0) {
      db.pragma('incremental_vacuum');
      // PASSIVE: never waits for readers (a follower) while holding writers back.
      db.pragma('wal_checkpoint(PASSIVE)');
    }
    return removed;
  } catch (err) {
    throw ioError(root, err);
  }
}
