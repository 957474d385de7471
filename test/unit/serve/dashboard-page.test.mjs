// The dashboard page's pure parts, as the built package serves them (dist/dashboard/): cell
// texts, the page's filters, and the server-sent event parser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { age, duration, exitText, formatDuration, matchesFilters, payloadText, tagMatches, titleOf } from '../../../dist/dashboard/format.js';
import { sseParser } from '../../../dist/dashboard/events.js';

test('formatDuration: ms under a second, then the two largest units', () => {
  assert.equal(formatDuration(undefined), '');
  assert.equal(formatDuration(0), '0 ms');
  assert.equal(formatDuration(999), '999 ms');
  assert.equal(formatDuration(1000), '1 s');
  assert.equal(formatDuration(61_500), '1 m 1 s');
  assert.equal(formatDuration(2 * 3600_000 + 5 * 60_000), '2 h 5 m');
  assert.equal(formatDuration(3 * 86400_000 + 4 * 3600_000), '3 d 4 h');
});

test('age counts from created_at; duration is recorded once ended, counted from started_at while running', () => {
  const now = Date.parse('2026-01-01T00:01:00.000Z');
  assert.equal(age({ created_at: '2026-01-01T00:00:30.000Z' }, now), '30 s');
  assert.equal(duration({ state: 'exited', duration_ms: 1500 }, now), '1 s');
  assert.equal(duration({ state: 'running', started_at: '2026-01-01T00:00:50.000Z' }, now), '10 s');
  assert.equal(duration({ state: 'queued' }, now), '');
});

test('exitText: the exit code, else the signal (timeout said), else the failure code', () => {
  assert.equal(exitText({ exit_code: 0 }), '0');
  assert.equal(exitText({ exit_code: 3 }), '3');
  assert.equal(exitText({ signal: 'SIGTERM', timed_out: false }), 'SIGTERM');
  assert.equal(exitText({ signal: 'SIGTERM', timed_out: true }), 'SIGTERM (timeout)');
  assert.equal(exitText({ error: { code: 'launch_failed', message: 'x' } }), 'launch_failed');
  assert.equal(exitText({ state: 'running' }), '');
});

test('payloadText and titleOf: agent or command; name, else short id', () => {
  assert.equal(payloadText({ payload: 'agent:claude', command: 'claude -p …' }), 'agent:claude');
  assert.equal(payloadText({ payload: 'shell', command: "sh -c 'make'" }), "sh -c 'make'");
  assert.equal(titleOf({ name: 'build', short_id: 'abc' }), 'build');
  assert.equal(titleOf({ short_id: 'abc', job_id: 'abcdef' }), 'abc');
});

test('tagMatches reads a pattern as list --tag does: P is the tag P, P.* is P and what is under P.', () => {
  assert.equal(tagMatches(['ci'], 'ci'), true);
  assert.equal(tagMatches(['ci.build'], 'ci'), false);
  assert.equal(tagMatches(['ci.build'], 'ci.*'), true);
  assert.equal(tagMatches(['ci'], 'ci.*'), true);
  assert.equal(tagMatches(['cim'], 'ci.*'), false);
  assert.equal(tagMatches([], 'ci.*'), false);
});

test('matchesFilters: every given filter must hold; the free text looks in id, name, command, cwd, tags', () => {
  const job = { job_id: 'abc123', name: 'Nightly', command: 'make test', cwd: '/srv/app', state: 'running', executor: 'local', tags: ['ci.build'] };
  assert.equal(matchesFilters(job, {}), true);
  assert.equal(matchesFilters(job, { state: 'running', tag: 'ci.*', executor: 'local', text: 'night' }), true);
  assert.equal(matchesFilters(job, { state: 'exited' }), false);
  assert.equal(matchesFilters(job, { tag: 'ci' }), false);
  assert.equal(matchesFilters(job, { executor: 'ssh1' }), false);
  for (const text of ['ABC1', 'make', '/srv', 'ci.bu']) assert.equal(matchesFilters(job, { text }), true, text);
  assert.equal(matchesFilters(job, { text: 'nowhere' }), false);
});

test('sseParser: events split across chunks, CRLF, comments, multi-line data, id and event fields', () => {
  const got = [];
  const feed = sseParser((m) => got.push(m));
  feed(': jobctl events\n\n');
  feed('id: 7\nevent: job.started\nda');
  assert.deepEqual(got, []);
  feed('ta: {"job_id":"a"}\n\n');
  feed('id: 8\r\nevent: job.finished\r\ndata: line1\r\ndata: line2\r\n\r\n');
  feed('data: no id\n\n');
  feed('id: 9\n\n');
  assert.deepEqual(got, [
    { id: '7', type: 'job.started', data: '{"job_id":"a"}' },
    { id: '8', type: 'job.finished', data: 'line1\nline2' },
    { id: undefined, type: 'message', data: 'no id' },
  ]);
});
