// The event log's API for the surfaces (CLI, library, HTTP server): query, follow, and the
// helpers that turn text input into a query. Storage is event-log.ts.
export { queryEvents, parseCursor, parseSince, checkEventTypes, DEFAULT_EVENT_LIMIT, MAX_EVENT_LIMIT, type EventQuery } from './event-query.js';
export { followEvents, FOLLOW_POLL_MS } from './event-follow.js';
export { EVENT_TYPES, type EventType, type JobEvent } from './event-log.js';
