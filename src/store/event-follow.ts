// Following the event log: each new batch of matching events as it is appended.
// Invariants: no event is delivered twice or skipped (each query continues from the previous
// answer's next_cursor); a batch is delivered only after the previous onEvents settled; the
// wake-up is a watch on the log's directory (every append writes its WAL file there), with a
// slow poll as the fallback for a filesystem that reports nothing; the watch and the timer are
// released when `signal` aborts, and the returned promise then resolves.
import { watch, type FSWatcher } from 'node:fs';
import { eventLogDir } from './event-log.js';
import { parseSince, queryEvents, DEFAULT_EVENT_LIMIT, type EventQuery, type JobEvent } from './event-query.js';
import { makeDirs } from '../util/make-dirs.js';

/** How often the log is read when no file event came. */
export const FOLLOW_POLL_MS = 2000;

/**
 * Calls onEvents with each new batch (cursor > after) as they are appended, until signal aborts.
 * Starts with what already matches after `q.after` (0: the whole log); `q.limit` bounds a batch.
 */
export async function followEvents(root: string, q: EventQuery, onEvents: (events: JobEvent[]) => void | Promise<void>, signal: AbortSignal): Promise<void> {
  let after = q.after ?? 0;
  const limit = q.limit ?? DEFAULT_EVENT_LIMIT;
  // A relative --since ("10m") is a time fixed now: read again at each poll it would move on
  // and skip the events between.
  if (q.since !== undefined) q = { ...q, since: parseSince(q.since) };
  // Checks the query before anything is watched: bad input is an error at once.
  let answer = queryEvents(root, { ...q, after, limit });
  let changed = false;
  let wake: (() => void) | undefined;
  const poke = (): void => {
    changed = true;
    wake?.();
  };
  makeDirs(eventLogDir(root));
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(eventLogDir(root), { persistent: true }, poke);
    watcher.on('error', () => undefined);
  } catch {
    // No watch here: the poll alone.
  }
  signal.addEventListener('abort', poke, { once: true });
  try {
    while (!signal.aborted) {
      after = answer.next_cursor;
      if (answer.events.length > 0) await onEvents(answer.events);
      if (signal.aborted) break;
      if (answer.events.length < limit) await changeOrPoll();
      changed = false;
      if (signal.aborted) break;
      answer = queryEvents(root, { ...q, after, limit });
    }
  } finally {
    watcher?.close();
    signal.removeEventListener('abort', poke);
  }

  /** Resolves at the next file event (or one that came since the last read), or after the poll period. */
  async function changeOrPoll(): Promise<void> {
    if (changed || signal.aborted) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, FOLLOW_POLL_MS);
      function done(): void {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });
  }
}
