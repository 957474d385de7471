// GET /v1/events over `jobctl serve`: the JSON answer is `jobctl events`'; the server-sent event
// stream delivers each job's events as they happen (id = cursor, event = type, data = the
// event), resumes from Last-Event-ID after the server was SIGKILLed and restarted with no gap
// and no duplicate, sends heartbeats, and releases its watch when the client goes; SIGTERM ends
// open streams and the server (exit 0).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { jobctl, withRoot, waitFor, assertMatchesSchema } from '../helpers/jobctl.mjs';
import { startServe } from '../helpers/serve.mjs';

/** Opens an SSE stream; `messages` fills as events arrive; `comments` counts comment lines. */
function openStream(server, path = '/v1/events', headers = {}) {
  const stream = { messages: [], comments: [], ended: false, status: undefined, headers: undefined };
  stream.done = new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port: server.port, path, agent: false, headers: { authorization: `Bearer ${server.token}`, accept: 'text/event-stream', ...headers } }, (res) => {
      stream.status = res.statusCode;
      stream.headers = res.headers;
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        buffer += chunk;
        let at;
        while ((at = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, at);
          buffer = buffer.slice(at + 2);
          const fields = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) stream.comments.push(line);
            else {
              const colon = line.indexOf(': ');
              fields[line.slice(0, colon)] = line.slice(colon + 2);
            }
          }
          if (fields.data !== undefined) stream.messages.push({ id: Number(fields.id), event: fields.event, data: JSON.parse(fields.data) });
        }
      });
      res.on('end', () => { stream.ended = true; resolve(); });
      res.on('error', () => { stream.ended = true; resolve(); });
    });
    req.on('error', (err) => { stream.ended = true; stream.error = err; resolve(); });
    stream.close = () => req.destroy();
    req.end();
  });
  return stream;
}

/** inotify watches the process holds (one `inotify wd:` line each in /proc/PID/fdinfo). */
function inotifyWatches(pid) {
  let count = 0;
  for (const fd of readdirSync(`/proc/${pid}/fdinfo`)) {
    try { count += (readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8').match(/^inotify wd:/gm) ?? []).length; } catch { /* closed meanwhile */ }
  }
  return count;
}

const LIFECYCLE = ['job.created', 'job.queued', 'job.started', 'job.finished'];

test('JSON events are jobctl events\' answer; filters as query parameters', async (t) => {
  const { root } = withRoot(t);
  const server = await startServe(t, root);
  const ran = await server.request('POST', '/v1/jobs', { body: { command: 'true', tags: ['ev'] } });
  const id = ran.json.job_id;
  await waitFor(async () => (await server.request('GET', `/v1/events?job=${id}&type=job.finished`)).json.events.length === 1, { what: 'job.finished' });
  const http = await server.request('GET', `/v1/events?job=${id}`);
  assert.equal(http.status, 200);
  assertMatchesSchema('events', http.json);
  const cli = await jobctl(['events', '--job', id], { root });
  assert.deepEqual(http.json.events, cli.json.events);
  assert.deepEqual(http.json.events.map((e) => e.event_type), LIFECYCLE);
  const typed = await server.request('GET', `/v1/events?type=job.created&type=job.finished&limit=1`);
  assert.deepEqual(typed.json.events.map((e) => e.event_type), ['job.created']);
  const next = await server.request('GET', `/v1/events?type=job.created&type=job.finished&after=${typed.json.next_cursor}`);
  assert.deepEqual(next.json.events.map((e) => e.event_type), ['job.finished']);
  for (const [query, code] of [['after=-1', 'usage_error'], ['type=job.bogus', 'usage_error'], ['limit=0', 'usage_error'], ['since=yesterday', 'usage_error'], ['follow=true', 'usage_error']]) {
    const bad = await server.request('GET', `/v1/events?${query}`);
    assert.equal(bad.status, 400, query);
    assert.equal(bad.json.error.code, code, query);
  }
  const badStream = openStream(server, '/v1/events', { 'last-event-id': 'x' });
  await badStream.done;
  assert.equal(badStream.status, 400, 'a bad Last-Event-ID is a JSON error before the stream starts');
});

test('SSE: every event live in cursor order; the server SIGKILLed and restarted, Last-Event-ID resumes with no gap and no duplicate', async (t) => {
  const { root } = withRoot(t);
  const first = await startServe(t, root);
  const live = openStream(first);
  await waitFor(() => live.status === 200 && live.comments.length > 0, { what: 'the stream to open' });
  assert.match(live.headers['content-type'], /^text\/event-stream/);
  const ran = await first.request('POST', '/v1/jobs', { body: { command: ['sh', '-c', 'sleep 2; echo done'], snapshot_after: '0' } });
  const id = ran.json.job_id;
  await waitFor(() => live.messages.some((m) => m.event === 'job.started' && m.data.job_id === id), { what: 'job.started on the stream' });
  for (const m of live.messages) {
    assert.equal(m.id, m.data.cursor);
    assert.equal(m.event, m.data.event_type);
  }
  const lastSeen = live.messages.at(-1).id;
  assert.equal((await first.stop('SIGKILL')).signal, 'SIGKILL');
  await live.done;
  // Events happen while no server runs: another job, and the first one's end.
  const other = await jobctl(['run', '--snapshot-after', '5s', 'true'], { root });
  const second = await startServe(t, root);
  const resumed = openStream(second, '/v1/events', { 'last-event-id': String(lastSeen) });
  await waitFor(() => resumed.messages.some((m) => m.event === 'job.finished' && m.data.job_id === id), { timeoutMs: 20000, what: 'the first job\'s end on the resumed stream' });
  await waitFor(() => resumed.messages.some((m) => m.event === 'job.finished' && m.data.job_id === other.json.job_id), { what: 'the other job\'s end' });
  resumed.close();
  const all = (await jobctl(['events'], { root })).json.events;
  const seen = [...live.messages, ...resumed.messages].map((m) => m.id);
  assert.deepEqual(seen, all.map((e) => e.cursor).slice(0, seen.length), 'no gap, no duplicate, in cursor order');
  assert.ok(resumed.messages.every((m) => m.id > lastSeen));
  const firstJob = [...live.messages, ...resumed.messages].filter((m) => m.data.job_id === id).map((m) => m.event);
  assert.deepEqual(firstJob, LIFECYCLE);
  const finished = resumed.messages.find((m) => m.event === 'job.finished' && m.data.job_id === id);
  assert.equal(finished.data.exit_code, 0, 'the job ended normally');
});

test('SSE: ?after= resumes too, filters apply, heartbeats come, a client that goes releases its watch, SIGTERM ends open streams', async (t) => {
  const { root } = withRoot(t);
  const server = await startServe(t, root);
  const ran = await server.request('POST', '/v1/jobs', { body: { command: 'true', snapshot_after: '10s' } });
  await waitFor(async () => (await server.request('GET', '/v1/events?type=job.finished')).json.events.length === 1, { what: 'job.finished' });
  const baseline = inotifyWatches(server.proc.pid);
  // A bad query is a JSON error before any stream starts.
  for (const bad of ['since=xx', 'after=99999', 'type=job.exploded']) {
    const refused = await server.request('GET', `/v1/events?${bad}`, { headers: { accept: 'text/event-stream' } });
    assert.equal(refused.status, 400, `${bad}: ${refused.text}`);
    assert.equal(refused.json.error.code, 'usage_error');
  }
  const filtered = openStream(server, `/v1/events?after=1&type=job.finished&job=${ran.json.job_id}`);
  await waitFor(() => filtered.messages.length === 1, { what: 'the filtered event' });
  assert.equal(filtered.messages[0].event, 'job.finished');
  const streams = Array.from({ length: 10 }, () => openStream(server));
  await waitFor(() => streams.every((s) => s.messages.length === 4), { what: 'every stream to replay the log' });
  assert.ok(inotifyWatches(server.proc.pid) > baseline, 'each open stream watches the log');
  for (const s of streams) s.close();
  await waitFor(() => inotifyWatches(server.proc.pid) <= baseline + 1, { what: 'the closed streams to release their watches' });
  // The one stream still open gets a heartbeat comment (every 15 s).
  await waitFor(() => filtered.comments.some((c) => c.startsWith(': heartbeat')), { timeoutMs: 25000, what: 'a heartbeat' });
  const exit = await server.stop('SIGTERM');
  assert.deepEqual(exit, { code: 0, signal: null });
  await filtered.done;
  assert.ok(filtered.ended, 'the open stream ended with the server');
});
