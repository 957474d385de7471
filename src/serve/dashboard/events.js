// The live event stream: GET /v1/events as server-sent events read through fetch (EventSource
// cannot send an Authorization header). Each event's `id:` is its cursor; after a dropped
// connection the stream is opened again with Last-Event-ID set to the last cursor seen, so no
// event is lost or seen twice. A 401 ends the loop (the page asks for the token).
import { openEventStream, Unauthorized } from './api.js';

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 10000;

/** Splits an SSE byte stream into events: { id, type, data } (comments and unknown fields dropped). */
export function sseParser(onMessage) {
  let buffer = '';
  let message = { data: [] };
  const field = (line) => {
    if (line === '') {
      if (message.data.length > 0) onMessage({ id: message.id, type: message.type ?? 'message', data: message.data.join('\n') });
      message = { data: [] };
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const name = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (name === 'data') message.data.push(value);
    else if (name === 'event') message.type = value;
    else if (name === 'id' && !value.includes('\0')) message.id = value;
  };
  return (text) => {
    buffer += text;
    const lines = buffer.split(/\r\n|\r|\n/);
    buffer = lines.pop();
    lines.forEach(field);
  };
}

/**
 * Follows the event stream after cursor `after` until `signal` aborts or the token is refused.
 * `onEvent` gets each event's parsed data; `onLive` gets true when a stream is open, false while
 * reconnecting; `onReconnect` runs when a stream opens again after a drop.
 */
export async function followEvents({ after, onEvent, onLive, onReconnect, signal }) {
  let lastEventId = after === undefined ? undefined : String(after);
  let dropped = false;
  let retryMs = FIRST_RETRY_MS;
  while (!signal.aborted) {
    try {
      const res = await openEventStream(lastEventId, signal);
      if (!res.ok || res.body === null) throw new Error(`event stream: HTTP ${res.status}`);
      onLive(true);
      retryMs = FIRST_RETRY_MS;
      if (dropped) await onReconnect();
      const decoder = new TextDecoder();
      const feed = sseParser((message) => {
        if (message.id !== undefined) lastEventId = message.id;
        let data;
        try {
          data = JSON.parse(message.data);
        } catch {
          return;
        }
        onEvent({ ...data, event_type: data.event_type ?? message.type, cursor: data.cursor ?? message.id });
      });
      const reader = res.body.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        feed(decoder.decode(value, { stream: true }));
      }
    } catch (err) {
      if (err instanceof Unauthorized || signal.aborted) break;
    }
    if (signal.aborted) break;
    dropped = true;
    onLive(false);
    await pause(retryMs, signal);
    retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
  }
}

function pause(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
