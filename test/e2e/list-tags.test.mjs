import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { withRoot } from '../helpers/jobctl.mjs';

test('tags are validated, deduplicated in order, filtered exactly and by namespace', async (t) => {
  const { run } = withRoot(t);
  const a = await run(['create', '--tag', 'project.build', '--tag', 'ci', '--tag', 'ci', '--', 'true']);
  assert.deepEqual(a.json.tags, ['project.build', 'ci']);
  const b = await run(['create', '--tag', 'project', '--tag', 'hoge-fuga.v2', '--', 'true']);
  const c = await run(['create', '--tag', 'projectx', '--', 'true']);
  const ids = async (...filters) => (await run(['list', ...filters.flatMap((f) => ['--tag', f])])).json.jobs.map((j) => j.job_id).sort();
  assert.deepEqual(await ids('ci'), [a.json.job_id]);
  assert.deepEqual(await ids('project.*'), [a.json.job_id, b.json.job_id].sort());
  assert.deepEqual(await ids('project'), [b.json.job_id]);
  assert.deepEqual(await ids('project.*', 'ci'), [a.json.job_id]);
  assert.deepEqual(await ids('projectx'), [c.json.job_id]);
  for (const bad of ['a..b', 'white space', 'x.', '.x', 'ünï', 'a.*']) {
    const r = await run(['create', '--tag', bad, '--', 'true']);
    assert.equal(r.code, 2, bad);
    assert.equal(r.json.error.code, 'invalid_tag', bad);
  }
});

test('tag set replaces tags and clears them when none are given', async (t) => {
  const { run } = withRoot(t);
  const { json } = await run(['create', '--tag', 'old', '--', 'true']);
  const set = await run(['tag', 'set', json.job_id, '--tag', 'new.one', '--tag', 'two', '--tag', 'two']);
  assert.equal(set.json.type, 'tag_set');
  assert.deepEqual(set.json.tags, ['new.one', 'two']);
  assert.deepEqual((await run(['status', json.job_id])).json.tags, ['new.one', 'two']);
  const cleared = await run(['tag', 'set', json.job_id]);
  assert.deepEqual(cleared.json.tags, []);
  const bad = await run(['tag', 'set', json.job_id, '--tag', 'no way']);
  assert.equal(bad.json.error.code, 'invalid_tag');
});

test('list is scoped to the current directory unless --cwd or --all; newest first; limit and state filters', async (t) => {
  const { run, base } = withRoot(t);
  const here = join(base, 'here');
  const there = join(base, 'there');
  mkdirSync(here);
  mkdirSync(there);
  const h1 = await run(['create', '--', 'true'], { cwd: here });
  const h2 = await run(['run', '--wait', '--', 'true'], { cwd: here });
  const x1 = await run(['create', '--cwd', there, '--', 'true'], { cwd: here });
  const local = await run(['list'], { cwd: here });
  assert.deepEqual(local.json.jobs.map((j) => j.job_id), [h2.json.job_id, h1.json.job_id]);
  assert.equal(local.json.cwd, here);
  const elsewhere = await run(['list', '--cwd', there], { cwd: here });
  assert.deepEqual(elsewhere.json.jobs.map((j) => j.job_id), [x1.json.job_id]);
  const all = await run(['list', '--all'], { cwd: here });
  assert.equal(all.json.jobs.length, 3);
  const limited = await run(['list', '--all', '--limit', '1']);
  assert.equal(limited.json.jobs.length, 1);
  assert.equal(limited.json.truncated, true);
  assert.equal(limited.json.jobs[0].job_id, x1.json.job_id);
  const exited = await run(['list', '--all', '--status', 'exited']);
  assert.deepEqual(exited.json.jobs.map((j) => j.job_id), [h2.json.job_id]);
  const created = await run(['list', '--all', '--state', 'created']);
  assert.equal(created.json.jobs.length, 2);
  const row = exited.json.jobs[0];
  for (const key of ['job_id', 'short_id', 'state', 'command', 'cwd', 'tags', 'executor', 'created_at', 'started_at', 'finished_at', 'exit_code', 'timed_out']) {
    assert.ok(key in row, `summary has ${key}`);
  }
  const badState = await run(['list', '--state', 'sleeping']);
  assert.equal(badState.json.error.code, 'usage_error');
});

test('list of an empty or missing root is an empty list', async (t) => {
  const { run } = withRoot(t);
  const { json } = await run(['list', '--all']);
  assert.deepEqual(json.jobs, []);
  assert.equal(json.truncated, false);
});
