// The event log (store/event-log.ts, event-query.ts, event-follow.ts, event-retention.ts) on a
// real SQLite file in a temp root: appends and queries with every filter, next_cursor paging,
// cursors never reused after retention, a foreign or corrupt file that only warns, and a
// follower woken by an append from another process.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync, existsSync, symlinkSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appendEvents, closeEventLog, eventLogPath, insertEventsBulk } from '../../../dist/lib/store/event-log.js';
import { queryEvents, followEvents, parseCursor, parseSince, EVENT_TYPES } from '../../../dist/lib/store/events.js';
import { applyEventRetention, rowsOverBudget } from '../../../dist/lib/store/event-retention.js';
import { tempRoot } from '../../helpers/unit-store.mjs';

const roots = [];
after(() => { for (const r of roots) { closeEventLog(r.root); r.cleanup(); } });
function freshRoot() {
  const r = tempRoot('jobctl-events-unit-');
  roots.push(r);
  return r.root;
}
const JOB_A = 'a'.repeat(16) + '0001';
const JOB_B = 'b'.repeat(16) + '0002';
const ev = (job_id, event_type, extra = {}) => ({ event_type, job_id, tags: ['t.x'], executor: 'local', ...extra });

test('a root without a log answers nothing and creates nothing', () => {
  const root = freshRoot();
  assert.deepEqual(queryEvents(root, {}), { events: [], next_cursor: 0 });
  assert.deepEqual(queryEvents(root, { after: 7 }), { events: [], next_cursor: 7 });
  assert.equal(existsSync(join(root, '.events')), false);
});

test('appended events come back in cursor order with their fields', async () => {
  const root = freshRoot();
  appendEvents(root, [ev(JOB_A, 'job.created'), ev(JOB_A, 'job.queued', { attempt: 1 })]);
  appendEvents(root, [ev(JOB_A, 'job.finished', { state: 'exited', exit_code: 3, at: '2026-01-01T00:00:00.000Z' })]);
  const { events, next_cursor } = queryEvents(root, {});
  assert.deepEqual(events.map((e) => e.event_type), ['job.created', 'job.queued', 'job.finished']);
  assert.deepEqual(events.map((e) => e.cursor), [1, 2, 3]);
  assert.equal(next_cursor, 3);
  assert.deepEqual(events[2], { cursor: 3, event_type: 'job.finished', at: '2026-01-01T00:00:00.000Z', job_id: JOB_A, tags: ['t.x'], executor: 'local', state: 'exited', exit_code: 3 });
  assert.match(events[0].at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  // A new log is made for retention (incremental vacuum) and concurrent writers (WAL).
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(eventLogPath(root), { readonly: true });
  assert.deepEqual([db.pragma('auto_vacuum', { simple: true }), db.pragma('journal_mode', { simple: true })], [2, 'wal']);
  db.close();
});

test('filters: after, job, types, since, limit; next_cursor paging loses nothing', () => {
  const root = freshRoot();
  const all = [];
  for (let i = 0; i < 40; i++) {
    const e = ev(i % 2 ? JOB_A : JOB_B, EVENT_TYPES[i % 4], { at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), i });
    all.push(e);
  }
  insertEventsBulk(root, all);
  assert.deepEqual(queryEvents(root, { job: JOB_A }).events.map((e) => e.i), all.map((e) => e.i).filter((i) => i % 2));
  assert.deepEqual(queryEvents(root, { types: ['job.created', 'job.started'] }).events.map((e) => e.i), all.map((e) => e.i).filter((i) => i % 4 === 0 || i % 4 === 2));
  assert.deepEqual(queryEvents(root, { after: 35 }).events.map((e) => e.cursor), [36, 37, 38, 39, 40]);
  assert.deepEqual(queryEvents(root, { since: '2026-01-01T00:00:37Z' }).events.map((e) => e.i), [37, 38, 39]);
  // Paging a filtered query with a small limit sees every match exactly once.
  const seen = [];
  let cursor = 0;
  for (let page = 0; page < 20; page++) {
    const answer = queryEvents(root, { after: cursor, job: JOB_B, types: ['job.created', 'job.queued', 'job.started'], limit: 3 });
    seen.push(...answer.events.map((e) => e.i));
    assert.ok(answer.next_cursor >= cursor);
    if (answer.events.length === 0) break;
    cursor = answer.next_cursor;
  }
  assert.deepEqual(seen, all.map((e) => e.i).filter((i) => i % 2 === 0 && i % 4 !== 3));
  // Nothing left: next_cursor is the head, so a later page starts after every event seen.
  assert.equal(queryEvents(root, { after: cursor, job: JOB_B }).next_cursor, 40);
});

test('bad input is a typed error', () => {
  const root = freshRoot();
  const code = (fn) => { try { fn(); } catch (err) { return err.code; } return 'no error'; };
  assert.equal(code(() => queryEvents(root, { types: ['job.nope'] })), 'usage_error');
  assert.equal(code(() => queryEvents(root, { after: -1 })), 'usage_error');
  assert.equal(code(() => queryEvents(root, { after: 1.5 })), 'usage_error');
  assert.equal(code(() => queryEvents(root, { limit: 0 })), 'usage_error');
  assert.equal(code(() => queryEvents(root, { since: 'yesterday' })), 'usage_error');
  assert.equal(code(() => queryEvents(root, { job: '../etc' })), 'job_not_found');
  assert.equal(code(() => parseCursor('12x')), 'usage_error');
  assert.equal(parseCursor('12'), 12);
  assert.match(String((() => { try { queryEvents(root, { types: ['x'] }); } catch (e) { return e.message; } })()), /job\.finished/);
  assert.equal(parseSince('10m', Date.UTC(2026, 0, 1, 1, 0, 0)), '2026-01-01T00:50:00.000Z');
});

test('retention removes by age and by size; cursors are never reused', () => {
  const root = freshRoot();
  const old = new Date(Date.now() - 10 * 86_400_000).toISOString();
  insertEventsBulk(root, [ev(JOB_A, 'job.created', { at: old }), ev(JOB_A, 'job.queued', { at: old }), ev(JOB_A, 'job.started')]);
  assert.equal(applyEventRetention(root, { maxAgeMs: 86_400_000 }), 2);
  assert.deepEqual(queryEvents(root, {}).events.map((e) => e.cursor), [3]);
  assert.equal(applyEventRetention(root, { maxAgeMs: 86_400_000 }), 0);
  // By size: many padded events, then a budget far below what they take.
  insertEventsBulk(root, Array.from({ length: 2000 }, () => ev(JOB_B, 'job.started', { pad: 'x'.repeat(500) })));
  const removed = applyEventRetention(root, { maxBytes: 256 * 1024 });
  assert.ok(removed > 1000 && removed < 2001, `removed ${removed}`);
  const left = queryEvents(root, { limit: 10000 }).events;
  assert.equal(left.length, 2001 - removed);
  assert.equal(left.at(-1).cursor, 2003);
  // Everything gone: the next event still gets a new cursor.
  applyEventRetention(root, { maxAgeMs: 0 }, Date.now() + 1000);
  appendEvents(root, [ev(JOB_A, 'job.deleted')]);
  assert.deepEqual(queryEvents(root, {}).events.map((e) => e.cursor), [2004]);
  assert.equal(rowsOverBudget(100, 1000, 2000), 0);
  assert.equal(rowsOverBudget(100, 2000, 1000), 55);
});

test('a foreign or corrupt database only warns on append, and is an io_error to a reader', async () => {
  for (const content of ['this is not a database at all, just text that sqlite cannot read'.repeat(100), 'foreign']) {
    const root = freshRoot();
    mkdirSync(join(root, '.events'));
    if (content === 'foreign') {
      const { default: Database } = await import('better-sqlite3');
      const db = new Database(eventLogPath(root));
      db.exec('CREATE TABLE other (x)');
      db.close();
    } else writeFileSync(eventLogPath(root), content);
    const child = spawn(process.execPath, ['--input-type=module', '-e', `
      const { appendEvents } = await import(${JSON.stringify(fileURLToPath(new URL('../../../dist/lib/store/event-log.js', import.meta.url)))});
      appendEvents(process.argv[1], [{ event_type: 'job.created', job_id: 'x', tags: [], executor: 'local' }]);
      appendEvents(process.argv[1], [{ event_type: 'job.queued', job_id: 'x', tags: [], executor: 'local' }]);
      console.log('went on');`, root], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    const [codeOf] = await once(child, 'exit');
    assert.equal(codeOf, 0);
    assert.equal(out.trim(), 'went on');
    assert.match(err, /jobctl warn: event log .*events\.db/);
    assert.equal(err.match(/jobctl warn/g).length, 1, 'one warning per process for a log that cannot be opened');
    assert.doesNotMatch(err, /\n\s+at /, 'no stack trace');
    assert.throws(() => queryEvents(root, {}), (e) => e.code === 'io_error' && /events\.db/.test(e.message));
  }
});

test('a log file or directory planted as a symlink is never followed', async () => {
  for (const plant of ['file', 'dir']) {
    const root = freshRoot();
    const outside = join(freshRoot(), 'outside');
    mkdirSync(outside);
    if (plant === 'dir') symlinkSync(outside, join(root, '.events'));
    else {
      mkdirSync(join(root, '.events'));
      writeFileSync(join(outside, 'victim'), 'keep');
      symlinkSync(join(outside, 'victim'), eventLogPath(root));
    }
    // A reader finds no log through the link (and creates nothing); a log file that is a link is refused.
    if (plant === 'dir') assert.deepEqual(queryEvents(root, {}).events, []);
    else assert.throws(() => queryEvents(root, {}), (e) => e.code === 'io_error' && /symbolic link/.test(e.message));
    closeEventLog(root);
    const child = spawn(process.execPath, ['--input-type=module', '-e', `
      const { appendEvents } = await import(${JSON.stringify(fileURLToPath(new URL('../../../dist/lib/store/event-log.js', import.meta.url)))});
      appendEvents(process.argv[1], [{ event_type: 'job.created', job_id: 'x', tags: [], executor: 'local' }]);`, root], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    const [code] = await once(child, 'exit');
    assert.equal(code, 0);
    assert.match(err, /symbolic link/);
    assert.deepEqual(readdirSync(outside), plant === 'dir' ? [] : ['victim']);
    if (plant === 'file') assert.equal(readFileSync(join(outside, 'victim'), 'utf8'), 'keep');
  }
});

test('the log and its journals are readable by their owner only', () => {
  const root = freshRoot();
  appendEvents(root, [ev(JOB_A, 'job.created')]);
  for (const name of readdirSync(join(root, '.events'))) {
    assert.equal(statSync(join(root, '.events', name)).mode & 0o777, 0o600, name);
  }
});

test('a process whose log could not be opened records events again once it is mended', async () => {
  const root = freshRoot();
  mkdirSync(join(root, '.events'));
  writeFileSync(eventLogPath(root), 'not a database '.repeat(200));
  appendEvents(root, [ev(JOB_A, 'job.created')]);
  rmSync(eventLogPath(root));
  // Tried again after a few seconds, not for ever refused.
  const deadline = Date.now() + 20_000;
  while (!existsSync(eventLogPath(root)) || queryEvents(root, {}).events.length === 0) {
    assert.ok(Date.now() < deadline, 'the log was not opened again');
    appendEvents(root, [ev(JOB_B, 'job.created')]);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.deepEqual(queryEvents(root, {}).events.map((e) => e.job_id), [JOB_B]);
});

test('followEvents delivers what exists, then events appended by another process, and ends on abort', async () => {
  const root = freshRoot();
  appendEvents(root, [ev(JOB_A, 'job.created')]);
  const batches = [];
  const controller = new AbortController();
  let gotSecond;
  const second = new Promise((resolve) => { gotSecond = resolve; });
  const following = followEvents(root, { job: JOB_A }, (events) => {
    batches.push(events.map((e) => `${e.cursor}:${e.event_type}`));
    if (batches.flat().length >= 2) gotSecond();
  }, controller.signal);
  // Another process appends (another job's event first: filtered out).
  const child = spawn(process.execPath, ['--input-type=module', '-e', `
    const { appendEvents } = await import(${JSON.stringify(fileURLToPath(new URL('../../../dist/lib/store/event-log.js', import.meta.url)))});
    appendEvents(process.argv[1], [{ event_type: 'job.created', job_id: ${JSON.stringify(JOB_B)}, tags: [], executor: 'local' }]);
    appendEvents(process.argv[1], [{ event_type: 'job.queued', job_id: ${JSON.stringify(JOB_A)}, tags: [], executor: 'local' }]);`, root], { stdio: 'inherit' });
  await once(child, 'exit');
  await second;
  controller.abort();
  await following;
  assert.deepEqual(batches.flat(), ['1:job.created', '3:job.queued']);
});
