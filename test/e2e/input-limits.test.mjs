// Input that jobctl limits or reads in a particular way says so: an over-long tag names the
// limit; an --env-file value in quotes may span lines, and a quote never closed is refused
// naming its line (at run, or as the launch failure if the file changed before start).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withRoot } from '../helpers/jobctl.mjs';

test('a tag over the length limit is invalid_tag naming the limit and the length', async (t) => {
  const { run } = withRoot(t);
  const { json, code } = await run(['run', '--tag', 'a'.repeat(201), '--', 'true']);
  assert.equal(code, 2);
  assert.equal(json.error.code, 'invalid_tag');
  assert.match(json.error.message, /201 characters long: at most 200 are allowed/);
  assert.equal(json.error.details.max_length, 200);
  assert.equal(json.error.details.length, 201);
  const atLimit = await run(['create', '--tag', 'a'.repeat(200), '--', 'true']);
  assert.deepEqual(atLimit.json.tags, ['a'.repeat(200)]);
  const tagSet = await run(['tag', 'set', atLimit.json.job_id, '--tag', `x.${'b'.repeat(300)}`]);
  assert.match(tagSet.json.error.message, /at most 200/);
});

test('an --env-file value in quotes may span lines and reaches the job whole', async (t) => {
  const { run, base } = withRoot(t);
  const envFile = join(base, 'job.env');
  writeFileSync(envFile, 'CERT="-----BEGIN-----\n  body line\n-----END-----"\nAFTER=next\n');
  const { json } = await run(['run', '--wait', '--env-file', envFile, '--', 'sh', '-c', 'printf "%s|%s" "$CERT" "$AFTER"']);
  assert.equal(json.state, 'exited');
  assert.equal(json.stdout_tail, '-----BEGIN-----\n  body line\n-----END-----|next');
});

test('an --env-file quote never closed is a usage_error naming the line; changed so before start, the job fails naming it', async (t) => {
  const { run, base } = withRoot(t);
  const envFile = join(base, 'job.env');
  writeFileSync(envFile, 'A=1\nTOKEN="abc\nB=2\n');
  const refused = await run(['run', '--env-file', envFile, '--', 'true']);
  assert.equal(refused.code, 2);
  assert.equal(refused.json.error.code, 'usage_error');
  assert.match(refused.json.error.message, /line 2: the quoted value of TOKEN is never closed/);
  assert.equal(refused.json.error.details.line, 2);
  assert.deepEqual((await run(['list', '--all'])).json.jobs, [], 'nothing was created');

  writeFileSync(envFile, 'A=1\n');
  const { json: created } = await run(['create', '--env-file', envFile, '--', 'true']);
  writeFileSync(envFile, 'A=1\nB=2\nTOKEN=\'abc\n');
  const { json: started } = await run(['start', created.job_id, '--wait']);
  assert.equal(started.state, 'failed');
  assert.equal(started.error.code, 'launch_failed');
  assert.match(started.error.message, /line 3: the quoted value of TOKEN is never closed/);
});
