// The event log through the built bin/jobctl on a temp root: each lifecycle path yields its
// events in order (run, kill, retry, restart, delete, notification deliveries), the filters and
// next_cursor paging lose nothing, --follow sees a later event and ends on SIGTERM with exit 0,
// twenty jobs started at once all get complete logs, a corrupt log never fails a job, and gc
// applies the retention.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, assertMatchesSchema, inotifyWatching, runUntilRunning, supervisorGone, testEnv, waitFor, withRoot } from '../helpers/jobctl.mjs';

/** The event types of one job, in cursor order (after its supervisor is done). */
async function jobEvents(run, root, id) {
  await supervisorGone(root, id);
  const { json } = await run(['events', '--job', id]);
  const cursors = json.events.map((e) => e.cursor);
  assert.deepEqual(cursors, [...cursors].sort((a, b) => a - b));
  for (const e of json.events) assert.equal(e.job_id, id);
  return json.events;
}
const typesOf = (events) => events.map((e) => e.event_type);

test('a job\'s life: created, queued, started, finished with its exit code, tags and executor', async (t) => {
  const { run, root } = withRoot(t);
  const { json: job } = await run(['run', '--wait', '--tag', 'ci.unit', '--', 'sh', '-c', 'exit 3']);
  const events = await jobEvents(run, root, job.job_id);
  assert.deepEqual(typesOf(events), ['job.created', 'job.queued', 'job.started', 'job.finished']);
  const finished = events.at(-1);
  assert.equal(finished.state, 'exited');
  assert.equal(finished.exit_code, 3);
  for (const e of events) assert.deepEqual([e.tags, e.executor], [['ci.unit'], 'local']);
  assert.ok(events.every((e, i) => i === 0 || e.at >= events[i - 1].at), 'times in order');
});

test('kill: kill_requested, then finished as killed', async (t) => {
  const { run, root } = withRoot(t);
  const status = await runUntilRunning(run, ['--', 'sleep', '60']);
  await run(['kill', status.job_id]);
  await run(['wait', status.job_id]);
  const events = await jobEvents(run, root, status.job_id);
  assert.deepEqual(typesOf(events), ['job.created', 'job.queued', 'job.started', 'job.kill_requested', 'job.finished']);
  assert.equal(events[3].signal, 'SIGTERM');
  assert.deepEqual([events[4].state, events[4].signal], ['killed', 'SIGTERM']);
});

test('retry and restart: job.retried with the attempt, job.restarted', async (t) => {
  const { run, root } = withRoot(t);
  const { json: job } = await run(['run', '--wait', '--retry', '1', '--', 'sh', '-c', 'exit 1']);
  assert.equal(job.state, 'exited');
  let events = await jobEvents(run, root, job.job_id);
  assert.deepEqual(typesOf(events), ['job.created', 'job.queued', 'job.started', 'job.retried', 'job.started', 'job.finished']);
  assert.deepEqual([events[3].attempt, events[3].previous], [2, { state: 'exited', exit_code: 1 }]);
  assert.equal(events[5].attempt, 2);
  await run(['restart', job.job_id, '--wait']);
  events = await jobEvents(run, root, job.job_id);
  assert.deepEqual(typesOf(events).slice(6), ['job.restarted', 'job.started', 'job.retried', 'job.started', 'job.finished']);
  assert.equal(events[6].attempt, 3);
});

test('delete: job.deleted, and the events stay queryable by the full id only', async (t) => {
  const { run, root } = withRoot(t);
  const { json: job } = await run(['run', '--wait', '--name', 'doomed', '--', 'true']);
  await supervisorGone(root, job.job_id);
  assert.equal((await run(['events', '--job', 'doomed'])).json.events.length, 4, '--job takes a name');
  assert.equal((await run(['events', '--job', job.job_id.slice(0, 10)])).json.events.length, 4, '--job takes a prefix');
  await run(['delete', job.job_id]);
  const { json } = await run(['events', '--job', job.job_id]);
  assert.deepEqual(typesOf(json.events), ['job.created', 'job.queued', 'job.started', 'job.finished', 'job.deleted']);
  assert.equal(json.events.at(-1).state, 'exited');
  assert.equal((await run(['events', '--job', job.job_id.slice(0, 10)])).json.error.code, 'job_not_found');
});

test('notification deliveries: notify.delivered for a file sink, notify.failed for a failing command', async (t) => {
  const { run, root, base } = withRoot(t);
  const sink = join(base, 'events.ndjson');
  const { json: job } = await run(['run', '--wait', '--notify-file', sink, '--notify-command', 'exit 7', '--', 'true']);
  const events = await jobEvents(run, root, job.job_id);
  const delivered = events.filter((e) => e.event_type === 'notify.delivered');
  const failed = events.filter((e) => e.event_type === 'notify.failed');
  assert.deepEqual(delivered.map((e) => [e.sink, e.target, e.notify_event]), [['file', sink, 'job.finished']]);
  assert.deepEqual(failed.map((e) => [e.sink, e.notify_event]), [['command', 'job.finished']]);
  assert.match(failed[0].error, /7/);
  // Each delivery is recorded after the job's end, once.
  assert.ok(events.findIndex((e) => e.event_type === 'job.finished') < events.findIndex((e) => e.sink !== undefined));
  assert.equal(readFileSync(sink, 'utf8').trim().split('\n').length, 1);
  const { json: byType } = await run(['events', '--type', 'notify.failed', '--type', 'notify.delivered']);
  assert.equal(byType.events.length, 2);
});

test('filters and paging: --after, --since, --job, --type, --limit; next_cursor loses nothing', async (t) => {
  const { run } = withRoot(t);
  const ids = [];
  for (let i = 0; i < 3; i++) ids.push((await run(['create', '--', 'true'])).json.job_id);
  const lastBefore = new Date().toISOString();
  await waitFor(() => new Date().toISOString() > lastBefore, { what: 'the clock to move on' });
  const middle = new Date().toISOString();
  for (let i = 0; i < 4; i++) ids.push((await run(['create', '--', 'true'])).json.job_id);
  const { json: all } = await run(['events']);
  assert.equal(all.events.length, 7);
  assert.equal(all.next_cursor, 7);
  assert.deepEqual(all.events.map((e) => e.job_id), ids);
  assert.deepEqual((await run(['events', '--after', '5'])).json.events.map((e) => e.cursor), [6, 7]);
  assert.deepEqual((await run(['events', '--since', middle])).json.events.map((e) => e.job_id), ids.slice(3));
  assert.deepEqual((await run(['events', '--job', ids[2]])).json.events.map((e) => e.cursor), [3]);
  assert.equal((await run(['events', '--type', 'job.started'])).json.events.length, 0);
  // Pages of two, each from the last next_cursor: every event once, in order.
  const paged = [];
  let cursor = 0;
  for (;;) {
    const { json } = await run(['events', '--after', String(cursor), '--limit', '2']);
    if (json.events.length === 0) break;
    assert.ok(json.events.length <= 2);
    paged.push(...json.events);
    cursor = json.next_cursor;
  }
  assert.deepEqual(paged, all.events);
  assert.equal((await run(['events', '--after', '-1'])).json.error.code, 'usage_error');
  assert.equal((await run(['events', '--limit', '0'])).json.error.code, 'usage_error');
  const badType = await run(['events', '--type', 'job.exploded']);
  assert.equal(badType.code, 2);
  assert.match(badType.json.error.message, /job\.created.*notify\.failed/);
});

/** Lines of a --follow child as they come. */
function lineReader(child) {
  const lines = [];
  let buffer = '';
  child.stdout.on('data', (d) => {
    buffer += d;
    const parts = buffer.split('\n');
    buffer = parts.pop();
    lines.push(...parts.map((l) => JSON.parse(l)));
  });
  return lines;
}

test('--follow prints what exists, then an event appended later; SIGTERM ends it with exit 0', async (t) => {
  const { run, root } = withRoot(t);
  const first = (await run(['create', '--', 'true'])).json.job_id;
  const child = spawn(BIN, ['events', '--follow', '--type', 'job.created'], { env: testEnv(root), stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.exitCode === null && child.kill('SIGKILL'));
  const lines = lineReader(child);
  await waitFor(() => lines.length >= 1, { what: 'the existing event' });
  const second = (await run(['create', '--', 'true'])).json.job_id;
  await waitFor(() => lines.length >= 2, { what: 'the appended event' });
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
  assert.deepEqual(lines.map((l) => l.type), ['event', 'event', 'events_end']);
  assert.deepEqual(lines.slice(0, 2).map((l) => l.job_id), [first, second]);
  assert.equal(lines[2].next_cursor, 2);
  for (const line of lines) assertMatchesSchema(line.type, line);
});

test('--follow --since 0s keeps the time it started with: later events are not skipped', async (t) => {
  const { run, root } = withRoot(t);
  await run(['create', '--', 'true']); // the log exists: the follower watches it from the start
  const child = spawn(BIN, ['events', '--follow', '--since', '0s'], { env: testEnv(root), stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.exitCode === null && child.kill('SIGKILL'));
  const lines = lineReader(child);
  // Started (its since fixed) once it holds an inotify watch on the log.
  await waitFor(() => inotifyWatching(child.pid), { what: 'the follower to watch the log' });
  const job = (await run(['run', '--wait', '--', 'true'])).json.job_id;
  await waitFor(() => lines.some((l) => l.event_type === 'job.finished' && l.job_id === job), { what: 'the job\'s finish through --since 0s' });
  child.kill('SIGTERM');
  await once(child, 'exit');
  assert.deepEqual(lines.filter((l) => l.type === 'event' && l.job_id === job).map((l) => l.event_type), ['job.created', 'job.queued', 'job.started', 'job.finished']);
});

test('a cursor ahead of the log (one made again) is a usage_error naming the newest cursor', async (t) => {
  const { run } = withRoot(t);
  await run(['create', '--', 'true']);
  const ahead = (await run(['events', '--after', '1000'])).json;
  assert.equal(ahead.error.code, 'usage_error');
  assert.match(ahead.error.message, /ahead of the event log \(its newest is 1\)/);
  assert.equal(ahead.error.details.head, 1);
});

test('twenty jobs started at once: every job\'s events complete, cursors unique and increasing', async (t) => {
  const { run, root } = withRoot(t);
  const started = await Promise.all(Array.from({ length: 20 }, () => run(['run', '--snapshot-after', '0', '--', 'true'])));
  const ids = started.map((r) => r.json.job_id);
  for (const id of ids) await run(['wait', id]);
  for (const id of ids) await supervisorGone(root, id);
  const { json } = await run(['events', '--limit', '1000']);
  const cursors = json.events.map((e) => e.cursor);
  assert.equal(new Set(cursors).size, cursors.length);
  assert.deepEqual(cursors, [...cursors].sort((a, b) => a - b));
  assert.equal(json.events.length, 80);
  for (const id of ids) {
    assert.deepEqual(typesOf(json.events.filter((e) => e.job_id === id)), ['job.created', 'job.queued', 'job.started', 'job.finished'], id);
  }
});

test('a corrupt or foreign event log warns and never fails a job; events answers io_error', async (t) => {
  const { run, root } = withRoot(t);
  mkdirSync(join(root, '.events'), { recursive: true });
  writeFileSync(join(root, '.events', 'events.db'), 'garbage, not SQLite\n'.repeat(500));
  const { json: job, stderr } = await run(['run', '--wait', '--', 'sh', '-c', 'exit 4']);
  assert.deepEqual([job.state, job.exit_code], ['exited', 4]);
  assert.match(stderr, /jobctl warn: event log .*events\.db/);
  assert.doesNotMatch(stderr, /\n\s+at /);
  assert.equal((await run(['status', job.job_id])).json.state, 'exited');
  const events = await run(['events']);
  assert.deepEqual([events.code, events.json.error.code], [1, 'io_error']);
  const gc = await run(['gc']);
  assert.equal(gc.json.events_removed, 0);
  assert.match(gc.json.warnings.join('\n'), /event log/);
});

test('gc applies [events] max_age; cursors are not reused after', async (t) => {
  const { run, base } = withRoot(t);
  for (let i = 0; i < 2; i++) await run(['create', '--', 'true']);
  const keep = join(base, 'keep.toml');
  writeFileSync(keep, '[events]\nmax_age = "1h"\nmax_bytes = "64M"\n');
  assert.equal((await run(['gc', '--config', keep])).json.events_removed, 0);
  const none = join(base, 'none.toml');
  writeFileSync(none, '[events]\nmax_age = "0ms"\n');
  assert.equal((await run(['gc', '--dry-run', '--config', none])).json.events_removed, 0);
  assert.equal((await run(['gc', '--config', none])).json.events_removed, 2);
  assert.deepEqual((await run(['events'])).json, { schema_version: '1', ok: true, type: 'events', events: [], next_cursor: 2 });
  await run(['create', '--', 'true']);
  assert.deepEqual((await run(['events'])).json.events.map((e) => e.cursor), [3]);
  const bad = join(base, 'bad.toml');
  writeFileSync(bad, '[events]\nmax_size = "1G"\n');
  assert.equal((await run(['gc', '--config', bad])).json.error.code, 'config_error');
});

test('the library answers events as the CLI does and refuses follow', async (t) => {
  const { root, run } = withRoot(t);
  const { json: job } = await run(['create', '--', 'true']);
  const lib = await import('jobctl');
  const answer = await lib.events({ root, config: '/dev/null', job: job.job_id });
  assertMatchesSchema('events', answer);
  assert.deepEqual(answer.events.map((e) => e.event_type), ['job.created']);
  await assert.rejects(lib.events({ root, follow: true }), (err) => err.code === 'usage_error' && /next_cursor/.test(err.message));
});
