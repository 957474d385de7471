// `submit FILE|-`: many jobs in one call from NDJSON, validated as a whole before anything is
// created, started in the file's order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { withRoot } from '../helpers/jobctl.mjs';

const jobDirs = (root) => {
  try {
    return readdirSync(root).filter((n) => !n.startsWith('.'));
  } catch {
    return [];
  }
};
const ndjson = (objs) => objs.map((o) => (typeof o === 'string' ? o : JSON.stringify(o))).join('\n') + '\n';

test('submit: a string or argv command, run/create options in snake_case, create_only; answers jobs[] with lines and count', async (t) => {
  const { base, run } = withRoot(t);
  const out = join(base, 'out');
  const file = join(base, 'jobs.ndjson');
  writeFileSync(file, ndjson([
    { command: `echo "$GREETING" >> ${out}`, env: { GREETING: 'hello' }, tags: ['batch'], name: 'first' },
    '',
    { command: ['sh', '-c', 'exit 4'], tag: 'batch', timeout: '1m', cwd: base },
    { command: 'true', create_only: true, tags: ['later'] },
  ]));
  const { json } = await run(['submit', file]);
  assert.equal(json.count, 3);
  assert.deepEqual(json.jobs.map((j) => j.line), [1, 3, 4], 'blank lines are skipped, lines keep their numbers');
  assert.equal(json.jobs[2].state, 'created');
  assert.notEqual(json.jobs[0].state, 'created');
  json.jobs.forEach((j) => assert.equal(j.short_id, j.job_id.slice(0, 8)));
  const done = (await run(['wait', '--tag', 'batch', '--timeout', '60s'])).json;
  assert.deepEqual(done.jobs.map((j) => [j.job_id, j.state, j.exit_code]), [[json.jobs[0].job_id, 'exited', 0], [json.jobs[1].job_id, 'exited', 4]]);
  assert.equal(readFileSync(out, 'utf8'), 'hello\n');
  const second = (await run(['status', json.jobs[1].job_id])).json;
  assert.equal(second.cwd, base);
  assert.equal(second.timeout_ms, 60_000);
  assert.equal((await run(['status', '--name', 'first'])).json.job_id, json.jobs[0].job_id);
});

test('submit: an argv array of one word runs that program without a shell', async (t) => {
  const { base, root, run } = withRoot(t);
  const file = join(base, 'jobs.ndjson');
  // Through a shell the first would print "x"; as an argv it names a program that does not exist.
  writeFileSync(file, ndjson([{ command: ['printf %s x'], tags: ['argv'] }, { command: ['true'], tags: ['argv'] }, { command: 'printf %s x', tags: ['argv'] }]));
  const { json } = await run(['submit', file]);
  const done = (await run(['wait', '--tag', 'argv', '--timeout', '60s'])).json;
  const byId = new Map(done.jobs.map((j) => [j.job_id, j]));
  const [oneWord, program, shellString] = json.jobs.map((j) => byId.get(j.job_id));
  assert.equal(oneWord.state, 'failed');
  assert.equal((await run(['status', oneWord.job_id])).json.error.code, 'launch_failed');
  assert.deepEqual([program.state, program.exit_code], ['exited', 0]);
  assert.deepEqual([shellString.state, shellString.exit_code], ['exited', 0]);
  assert.equal((await run(['tail', shellString.job_id])).json.stdout_tail, 'x');
  // A shell wrapper runs a string: with an array it is refused, naming the line, and nothing is created.
  writeFileSync(file, ndjson([{ command: 'true' }, { command: ['make'], shell_wrapper: 'bash -lc' }]));
  const before = jobDirs(root).length;
  const refused = await run(['submit', file]);
  assert.equal(refused.json.error.code, 'usage_error');
  assert.equal(refused.json.error.details.line, 2);
  assert.equal(jobDirs(root).length, before);
});

test('submit -: jobs from stdin keep the file\'s order in their queue', async (t) => {
  const { base, root, run } = withRoot(t);
  const config = join(base, 'config.toml');
  writeFileSync(config, '[queues.one]\nmax_concurrent = 1\n');
  const order = join(base, 'order');
  const lines = Array.from({ length: 15 }, (_, i) => ({ command: ['sh', '-c', 'echo "$1" >> "$2"', 'sh', String(i), order], queue: 'one', tags: ['ordered'] }));
  const { json } = await run(['submit', '-'], { config, input: ndjson(lines) });
  assert.equal(json.count, 15);
  const queuedAt = json.jobs.map((j) => JSON.parse(readFileSync(join(root, j.job_id, 'state.json'), 'utf8')).queued_at);
  assert.deepEqual([...queuedAt].sort(), queuedAt, 'queued_at follows the lines');
  assert.equal(new Set(queuedAt).size, 15, 'strictly');
  const done = (await run(['wait', '--tag', 'ordered', '--timeout', '120s'], { config })).json;
  assert.equal(done.wait_timed_out, false);
  assert.deepEqual(readFileSync(order, 'utf8').trim().split('\n').map(Number), [...Array(15).keys()]);
});

test('submit: a malformed line anywhere creates nothing and names the line', async (t) => {
  const { base, root, run } = withRoot(t);
  const good = { command: 'true' };
  const cases = [
    ['bad JSON', ndjson([good, good, '{"command": "true"']), 3],
    ['not an object', ndjson([good, '["true"]']), 2],
    ['unknown option', ndjson([good, { command: 'true', colour: 'red' }]), 2],
    ['kebab-case', ndjson([{ command: 'true', 'max-log-bytes': '1M' }]), 1],
    ['bad duration', ndjson([good, good, good, { command: 'true', timeout: 'soon' }]), 4],
    ['no command', ndjson([good, { tags: ['x'] }]), 2],
    ['bad command', ndjson([{ command: [1, 2] }]), 1],
    ['bad tag', ndjson([{ command: 'true', tags: ['a b'] }]), 1],
    ['unknown dependency', ndjson([{ command: 'true', after: 'zzzzzzzz' }]), 1],
    ['observation flags are not job options', ndjson([{ command: 'true', wait: true }]), 1],
  ];
  for (const [what, text, line] of cases) {
    const file = join(base, 'in.ndjson');
    writeFileSync(file, text);
    const { json } = await run(['submit', file]);
    assert.equal(json.ok, false, what);
    assert.equal(json.error.code, 'usage_error', what);
    assert.equal(json.error.details.line, line, what);
    assert.deepEqual(jobDirs(root), [], `${what}: nothing created`);
  }
  // A 100 MB line is refused without being parsed.
  const big = join(base, 'big.ndjson');
  const fd = openSync(big, 'w');
  writeSync(fd, `${JSON.stringify(good)}\n{"command": "`);
  const chunk = Buffer.alloc(1024 * 1024, 'x');
  for (let i = 0; i < 100; i++) writeSync(fd, chunk);
  writeSync(fd, '"}\n');
  closeSync(fd);
  const huge = (await run(['submit', big])).json;
  assert.equal(huge.error.code, 'usage_error');
  assert.equal(huge.error.details.line, 2);
  // No lines at all, only blank ones, or no file.
  for (const input of ['', '\n\n  \n']) {
    const empty = (await run(['submit', '-'], { input })).json;
    assert.equal(empty.error.code, 'usage_error');
  }
  assert.equal((await run(['submit', join(base, 'missing.ndjson')])).json.error.code, 'usage_error');
  assert.equal((await run(['submit'])).json.error.code, 'usage_error');
  assert.deepEqual(jobDirs(root), []);
});

test('submit: a line\'s stdin is the job\'s input itself; stdin that is not a string, or stdin_file -, is refused', async (t) => {
  const { base, run } = withRoot(t);
  const file = join(base, 'jobs.ndjson');
  writeFileSync(file, ndjson([{ command: 'tr a-z A-Z', stdin: 'shout\n', wait: undefined }]));
  const { json } = await run(['submit', file]);
  const done = (await run(['wait', json.jobs[0].job_id, '--timeout', '60s'])).json;
  assert.equal(done.stdout_tail, 'SHOUT\n');
  for (const bad of [{ command: 'cat', stdin: true }, { command: 'cat', stdin_file: '-' }]) {
    writeFileSync(file, ndjson([bad]));
    const refused = await run(['submit', file]);
    assert.equal(refused.json.error.code, 'usage_error', JSON.stringify(bad));
    assert.equal(refused.json.error.details.line, 1);
  }
});
