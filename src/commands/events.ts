// `events`: the root's event log (lifecycle transitions, creation, deletion, notification
// deliveries) in cursor order, filtered by --after, --since, --job, --type (repeatable) and
// --limit; `next_cursor` is the --after of the next call. `--follow` prints the matching events
// as NDJSON (`event` lines) as they are appended, until SIGINT/SIGTERM/SIGHUP or a closed stdout,
// then an `events_end` line with the cursor to resume from (exit 0).
import { optBool, optInt, optString, stringList, type Args } from '../command-support/args.js';
import { resolveEventJob } from '../command-support/event-job.js';
import { usageError } from '../errors.js';
import { printStreamLine, STREAMED } from '../output.js';
import { checkEventTypes, EVENT_TYPES, followEvents, MAX_EVENT_LIMIT, parseCursor, queryEvents, type EventQuery } from '../store/events.js';
import type { CommandDef } from '../command-support/types.js';

/** The query the flags ask for (each flag checked, the job resolved); the HTTP event stream builds its query here too. */
export function eventQuery(args: Args, root: string): EventQuery {
  const query: EventQuery = {};
  const after = optString(args, 'after');
  if (after !== undefined) query.after = parseCursor(after, '--after');
  const since = optString(args, 'since');
  if (since !== undefined) query.since = since;
  const job = optString(args, 'job');
  if (job !== undefined) query.job = resolveEventJob(root, job);
  const types = stringList(args, 'type');
  if (types.length > 0) {
    checkEventTypes(types);
    query.types = types;
  }
  const limit = optInt(args, 'limit', 1, MAX_EVENT_LIMIT);
  if (limit !== undefined) query.limit = limit;
  return query;
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Prints matching events as they come until a stop signal or a closed stdout. */
async function follow(root: string, query: EventQuery): Promise<void> {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  STOP_SIGNALS.forEach((s) => process.on(s, stop));
  let last = query.after ?? 0;
  let open = true;
  try {
    await followEvents(root, query, (events) => {
      for (const event of events) {
        open = printStreamLine('event', event);
        if (!open) return stop();
        last = event.cursor;
      }
    }, controller.signal);
  } finally {
    STOP_SIGNALS.forEach((s) => process.off(s, stop));
  }
  if (open) printStreamLine('events_end', { next_cursor: last });
}

export const eventsCommand: CommandDef = {
  command: 'events',
  describe: 'the event log: job transitions and notification deliveries, by cursor; --follow streams them',
  type: 'events',
  options: {
    after: { type: 'string', describe: 'only events after this cursor (the next_cursor of the last call)' },
    since: { type: 'string', describe: 'only events at or after this time (RFC 3339, or a duration ago: 10m)' },
    job: { type: 'string', describe: 'only this job\'s events (id, unique prefix or name; a deleted job\'s full id)' },
    type: { type: 'string', describe: `only events of this type (repeatable): ${EVENT_TYPES.join(', ')}` },
    limit: { type: 'string', describe: `at most N events (default 1000, at most ${MAX_EVENT_LIMIT}); with --follow, per batch` },
    follow: { type: 'boolean', describe: 'NDJSON: print matching events as they are appended, until interrupted (exit 0)' },
  },
  async handler(args, ctx) {
    const query = eventQuery(args, ctx.root);
    if (!optBool(args, 'follow')) return queryEvents(ctx.root, query);
    // Only the CLI has a stdout to stream to (and the signals that end the stream).
    if (ctx.interrupt === undefined) throw usageError('follow streams NDJSON on the CLI only; call events again with after = next_cursor instead', { option: 'follow' });
    await follow(ctx.root, query);
    return STREAMED;
  },
};
