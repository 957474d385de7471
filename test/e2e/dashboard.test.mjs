// list --jsonl, dashboard (--stream, --watch) and the summary's payload field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, assertMatchesSchema, testEnv, withRoot, waitFor } from '../helpers/jobctl.mjs';

/** Spawns bin/jobctl for an NDJSON form; `child` lets a test signal it. */
function spawnJobctl(root, args, opts = {}) {
  const child = spawn(BIN, args, { cwd: opts.cwd, env: testEnv(root), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  const done = new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done, lines: () => stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l)) };
}

/** Runs an NDJSON form to its end; every line is checked against its schema. */
async function ndjson(root, args, opts = {}) {
  const { done } = spawnJobctl(root, args, opts);
  const r = await done;
  assert.ok(r.stdout === '' || r.stdout.endsWith('\n'), 'stdout ends with a newline');
  const lines = r.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
  for (const line of lines) assertMatchesSchema(line.ok ? line.type : 'error', line);
  return { ...r, lines };
}

/** A stream line without its envelope fields: the bare summary. */
function envelopeless(line) {
  const rest = { ...line };
  for (const k of ['schema_version', 'ok', 'type']) delete rest[k];
  return rest;
}

async function threeJobs(run, base) {
  const dir = join(base, 'work');
  mkdirSync(dir);
  const a = await run(['run', '--wait', '--tag', 'ci.build', '--', 'sh', '-c', 'echo hello; echo oops >&2'], { cwd: dir });
  const b = await run(['create', '--tag', 'ci', '--', 'true'], { cwd: dir });
  const c = await run(['run', '--wait', '--tag', 'other', '--', 'false'], { cwd: dir });
  return { dir, a: a.json, b: b.json, c: c.json };
}

test('list --jsonl prints the same jobs as list, one per line, then list_end; filters apply', async (t) => {
  const { run, root, base } = withRoot(t);
  const { dir, a, b, c } = await threeJobs(run, base);
  for (const filters of [[], ['--tag', 'ci.*'], ['--state', 'exited'], ['--limit', '2'], ['--executor', 'nope'], ['--all']]) {
    const list = (await run(['list', ...filters], { cwd: dir })).json;
    const r = await ndjson(root, ['list', '--jsonl', ...filters], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const items = r.lines.slice(0, -1);
    const end = r.lines.at(-1);
    assert.ok(items.every((l) => l.type === 'list_item' && l.ok === true && l.schema_version === '1'));
    assert.deepEqual(items.map(envelopeless), list.jobs, JSON.stringify(filters));
    assert.deepEqual(end, { schema_version: '1', ok: true, type: 'list_end', count: list.count, truncated: list.truncated });
  }
  const ci = await ndjson(root, ['list', '--jsonl', '--tag', 'ci.*'], { cwd: dir });
  assert.deepEqual(ci.lines.slice(0, -1).map((l) => l.job_id), [b.job_id, a.job_id]);
  const failed = await ndjson(root, ['list', '--jsonl', '--state', 'exited', '--tag', 'other'], { cwd: dir });
  assert.deepEqual(failed.lines.slice(0, -1).map((l) => l.job_id), [c.job_id]);
  const limited = await ndjson(root, ['list', '--jsonl', '--limit', '1'], { cwd: dir });
  assert.deepEqual(limited.lines.at(-1), { schema_version: '1', ok: true, type: 'list_end', count: 1, truncated: true });
  // Usage errors stay one JSON error object.
  const bad = await ndjson(root, ['list', '--jsonl', '--state', 'bogus'], { cwd: dir });
  assert.equal(bad.code, 2);
  assert.equal(bad.lines.length, 1);
  assert.equal(bad.lines[0].error.code, 'usage_error');
});

test('payload is "shell" in list, list --jsonl and status', async (t) => {
  const { run, root, base } = withRoot(t);
  const { dir, a } = await threeJobs(run, base);
  assert.ok((await run(['list'], { cwd: dir })).json.jobs.every((j) => j.payload === 'shell'));
  const r = await ndjson(root, ['list', '--jsonl'], { cwd: dir });
  assert.ok(r.lines.slice(0, -1).every((l) => l.payload === 'shell'));
  assert.equal((await run(['status', a.job_id])).json.payload, 'shell');
});

test('dashboard: one object with jobs and counts; --stream prints dashboard_item lines then dashboard_end', async (t) => {
  const { run, root, base } = withRoot(t);
  const { dir, a, b, c } = await threeJobs(run, base);
  const dash = (await run(['dashboard'], { cwd: dir })).json;
  assert.equal(dash.type, 'dashboard');
  assert.deepEqual(dash.jobs.map((j) => j.job_id), [c.job_id, b.job_id, a.job_id]);
  assert.equal(dash.count, 3);
  assert.equal(dash.by_state.exited, 2);
  assert.equal(dash.by_state.created, 1);
  const rowA = dash.jobs.find((j) => j.job_id === a.job_id);
  assert.equal(rowA.stdout_total_bytes, 'hello\n'.length);
  assert.equal(rowA.stderr_total_bytes, 'oops\n'.length);

  const r = await ndjson(root, ['dashboard', '--stream', '--tag', 'ci.*'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.lines.map((l) => l.type), ['dashboard_item', 'dashboard_item', 'dashboard_end']);
  assert.deepEqual(r.lines.slice(0, -1).map((l) => l.job_id), [b.job_id, a.job_id]);
  const end = r.lines.at(-1);
  assert.equal(end.count, 2);
  assert.equal(end.truncated, false);
  assert.match(end.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  const limited = await ndjson(root, ['dashboard', '--stream', '--all', '--limit', '1', '--state', 'exited'], { cwd: dir });
  assert.deepEqual(limited.lines.map((l) => l.type), ['dashboard_item', 'dashboard_end']);
  assert.equal(limited.lines[0].job_id, c.job_id);
  assert.equal(limited.lines[1].truncated, true);
});

test('dashboard --watch repeats the snapshot and exits 0 on SIGTERM and SIGHUP', async (t) => {
  const { run, root, base } = withRoot(t);
  const { dir } = await threeJobs(run, base);
  const w = spawnJobctl(root, ['dashboard', '--watch', '200ms'], { cwd: dir });
  await waitFor(() => w.lines().filter((l) => l.type === 'dashboard_end').length >= 2, { what: 'two snapshots' });
  w.child.kill('SIGTERM');
  const r = await w.done;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.signal, null);
  const lines = w.lines();
  for (const line of lines) assertMatchesSchema(line.type, line);
  assert.equal(lines.at(-1).type, 'dashboard_end', 'ends on a complete snapshot');
  const ends = lines.filter((l) => l.type === 'dashboard_end');
  assert.ok(ends.length >= 2);
  assert.ok(ends[1].at > ends[0].at);
  assert.equal(lines.length, ends.length * 4, 'every snapshot has its 3 items and an end');
  // A closed terminal (SIGHUP) ends it the same way.
  const hup = spawnJobctl(root, ['dashboard', '--watch', '200ms'], { cwd: dir });
  await waitFor(() => hup.lines().some((l) => l.type === 'dashboard_end'), { what: 'a snapshot' });
  hup.child.kill('SIGHUP');
  const hupped = await hup.done;
  assert.equal(hupped.signal, null);
  assert.equal(hupped.code, 0, hupped.stderr);
  assert.equal(hup.lines().at(-1).type, 'dashboard_end');
  const bad = await ndjson(root, ['dashboard', '--watch', 'soon'], { cwd: dir });
  assert.equal(bad.code, 2);
  assert.equal(bad.lines.length, 1);
  assert.equal(bad.lines[0].error.code, 'invalid_duration');
});
