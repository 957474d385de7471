// GET /v1/events: the `events` command's answer as JSON (after, since, job, type repeated,
// limit as query parameters), or with `Accept: text/event-stream` a live stream of server-sent
// events: `id: <cursor>`, `event: <event_type>`, `data: <the event as JSON>`, resumable from
// `Last-Event-ID` (else `?after=`), a heartbeat comment every HEARTBEAT_MS. Invariants: every
// matching event after the resume cursor is sent once, in cursor order (store/event-follow.ts);
// the watch is released when the client goes or the server ends (which ends the stream).
import type { ServerResponse } from 'node:http';
import { redactOutput } from '../output.js';
import { log } from '../log.js';
import { toCallInput, snakeCase } from '../library/call-options.js';
import { eventQuery } from '../commands/events.js';
import { followEvents, parseCursor, queryEvents, type JobEvent } from '../store/events.js';
import { commandNamed, optionTable, type CallScope } from './call.js';
import { commandRoute } from './routes-jobs.js';
import { queryOptions } from './query.js';
import { SECURITY_HEADERS } from './respond.js';
import type { Route, RouteRequest } from './router.js';

export const HEARTBEAT_MS = 15_000;

const wantsStream = (accept: string | undefined): boolean => (accept ?? '').split(',').some((part) => part.split(';')[0]?.trim().toLowerCase() === 'text/event-stream');

/** One event as an SSE message. */
export function sseMessage(event: JobEvent): string {
  return `id: ${event.cursor}\nevent: ${event.event_type}\ndata: ${JSON.stringify(redactOutput(event))}\n\n`;
}

/** Writes, waiting for the socket to drain when its buffer is full. */
function write(res: ServerResponse, text: string): Promise<void> {
  if (res.destroyed || res.writableEnded || res.write(text)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

async function stream({ req, res, query }: RouteRequest, scope: CallScope, streams: Set<() => void>): Promise<void> {
  const def = commandNamed('events');
  const options = queryOptions(query, optionTable(def));
  const resumeFrom = req.headers['last-event-id'];
  if (typeof resumeFrom === 'string' && resumeFrom.trim() !== '') options['after'] = String(parseCursor(resumeFrom, 'Last-Event-ID'));
  const { args } = toCallInput(def, options, snakeCase);
  const eventsQuery = eventQuery(args, scope.root);
  // Bad input or an unreadable log is a JSON error, before the stream's 200 is sent.
  queryEvents(scope.root, { ...eventsQuery, limit: 1 });
  const controller = new AbortController();
  const end = (): void => controller.abort();
  res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  res.write(': jobctl events\n\n');
  const heartbeat = setInterval(() => {
    if (!res.destroyed && !res.writableEnded) res.write(': heartbeat\n\n');
  }, HEARTBEAT_MS);
  res.on('error', end); // a write to a client that went away ends the stream, never the server
  streams.add(end);
  res.once('close', end);
  try {
    await followEvents(scope.root, eventsQuery, async (events) => {
      for (const event of events) {
        if (controller.signal.aborted) return;
        await write(res, sseMessage(event));
      }
    }, controller.signal);
  } catch (err) {
    log.warn(`serve: event stream: ${(err as Error).message}`);
  } finally {
    clearInterval(heartbeat);
    streams.delete(end);
    res.off('close', end);
    res.end();
  }
}

export function eventRoutes(scope: CallScope, streams: Set<() => void>): Route[] {
  const json = commandRoute('GET', '/v1/events', 'events', 'query', scope);
  return [{
    ...json,
    async handle(request) {
      if (wantsStream(request.req.headers.accept)) return stream(request, scope, streams);
      return json.handle(request);
    },
  }];
}
