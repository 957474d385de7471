// The library (`import ... from 'jobctl'`, dist/index.js) called in-process against a temp root
// with real jobs: every function resolves to the object the CLI prints for the same call (valid
// against `jobctl schema`), and every failure rejects with JobctlError and the CLI's code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT, assertMatchesSchema, jobctl, supervisorGone, withRoot } from '../helpers/jobctl.mjs';

// The package's own name resolves to its library (package.json "exports").
const lib = await import('jobctl');
const { JobctlError } = lib;

function setup(t) {
  // One cleanup: the jobs settled, then the tree removed (withRoot).
  const { base: dir, root } = withRoot(t);
  const config = join(dir, 'config.toml');
  writeFileSync(config, '');
  return { dir, root, config, base: { root, config } };
}

/** Asserts the answer is the CLI's envelope of `type`, valid against its schema. */
function answer(result, type) {
  assert.equal(result.ok, true);
  assert.equal(result.type, type);
  assert.equal(result.schema_version, '1');
  assertMatchesSchema(type, result);
  return result;
}

async function rejects(promise, code, message) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof JobctlError, `a JobctlError: ${err}`);
    assert.ok(err instanceof Error);
    assert.equal(err.name, 'JobctlError');
    assert.equal(err.code, code, err.message);
    assert.equal(typeof err.retryable, 'boolean');
    if (message) assert.match(err.message, message);
    return true;
  });
}

test('run, wait, status, tail, logs, list: real jobs, the CLI\'s answers', async (t) => {
  const { base, dir } = setup(t);
  const ran = answer(await lib.run({ ...base, command: ['sh', '-c', 'echo out; echo err >&2'], snapshotAfter: '5s', tag: ['lib', 'ci'], name: 'first', cwd: dir }), 'run');
  assert.equal(ran.state, 'exited');
  assert.equal(ran.exit_code, 0);
  assert.equal(ran.stdout_tail, 'out\n');
  assert.equal(ran.stderr_tail, 'err\n');
  const id = ran.job_id;

  const shell = answer(await lib.run({ ...base, command: 'echo "$((6 * 7))" | tr 4 X', wait: true, cwd: dir }), 'run');
  assert.equal(shell.stdout_tail, 'X2\n', 'a command string runs in the shell');

  const waited = answer(await lib.wait({ ...base, id, timeout: '10s' }), 'wait');
  assert.equal(waited.wait_timed_out, false);
  assert.equal(waited.exit_code, 0);

  const status = answer(await lib.status({ ...base, id }), 'status');
  assert.equal(status.state, 'exited');
  assert.deepEqual(status.tags, ['lib', 'ci']);
  // The same call through the CLI answers the same job the same way.
  const cli = await jobctl(['status', id, '--config', base.config], { root: base.root });
  assert.equal(cli.json.state, status.state);
  assert.equal(cli.json.exit_code, status.exit_code);
  assert.deepEqual(Object.keys(cli.json).sort(), Object.keys(status).sort());

  const byName = answer(await lib.status({ ...base, name: 'first' }), 'status');
  assert.equal(byName.job_id, id);

  const tail = answer(await lib.tail({ ...base, id, tailLines: 1 }), 'tail');
  assert.equal(tail.stdout_tail, 'out\n');
  const logs = answer(await lib.logs({ ...base, id }), 'logs');
  assert.equal(logs.stderr_tail, 'err\n');

  const listed = answer(await lib.list({ ...base, all: true, tag: 'ci' }), 'list');
  assert.deepEqual(listed.jobs.map((j) => j.job_id), [id]);
  const here = answer(await lib.list({ ...base, cwd: dir }), 'list');
  assert.equal(here.count, 2);
});

test('command: an array is an argv, one word included; a string goes through the shell wrapper', async (t) => {
  const { base, dir } = setup(t);
  // Through a shell the one-word array would print "x"; as an argv it names no program.
  const argv = answer(await lib.run({ ...base, command: ['printf %s x'], cwd: dir, wait: true }), 'run');
  assert.equal(argv.state, 'failed');
  assert.equal(answer(await lib.status({ ...base, id: argv.job_id }), 'status').error.code, 'launch_failed');
  const shell = answer(await lib.run({ ...base, command: 'printf %s x', cwd: dir, wait: true }), 'run');
  assert.deepEqual([shell.state, shell.exit_code, shell.stdout_tail], ['exited', 0, 'x']);
  await rejects(lib.run({ ...base, command: ['make'], shellWrapper: 'bash -lc', cwd: dir }), 'usage_error', /shell wrapper/);
  await rejects(lib.run({ ...base, command: ['  '], cwd: dir }), 'usage_error', /program name is empty/);
  await supervisorGone(base.root, argv.job_id);
  await supervisorGone(base.root, shell.job_id);
});

test('create, start, kill, tagSet, and the cheap extras', async (t) => {
  const { base, dir } = setup(t);
  const created = answer(await lib.create({ ...base, command: ['sleep', '30'], cwd: dir }), 'create');
  assert.equal(created.state, 'created');
  await rejects(lib.kill({ ...base, id: created.job_id }), 'invalid_state', /never started/);
  const started = answer(await lib.start({ ...base, id: created.job_id, snapshotAfter: '0' }), 'start');
  assert.ok(['queued', 'running'].includes(started.state));
  await rejects(lib.start({ ...base, id: created.job_id }), 'invalid_state');
  const killed = answer(await lib.kill({ ...base, id: created.job_id, grace: '2s' }), 'kill');
  assert.equal(killed.state, 'killed');

  answer(await lib.tagSet({ ...base, id: created.job_id, tag: ['x'] }), 'tag_set');
  answer(await lib.stats({ ...base }), 'stats');
  answer(await lib.queue({ ...base }), 'queue');
  answer(await lib.version(), 'version');
  answer(await lib.schema({ type: 'wait' }), 'schema');
  answer(await lib.gc({ ...base, dryRun: true }), 'gc');
  await supervisorGone(base.root, created.job_id);
  answer(await lib.deleteJob({ ...base, id: created.job_id }), 'delete');
  await rejects(lib.status({ ...base, id: created.job_id }), 'job_not_found');
  const skill = answer(await lib.installSkill({ dir: join(dir, 'skills') }), 'install_skill');
  assert.equal(skill.path, join(dir, 'skills', 'jobctl', 'SKILL.md'));
});

test('restart runs an ended job again in place; stdin is the content itself', async (t) => {
  const { base, dir } = setup(t);
  const fed = answer(await lib.run({ ...base, command: ['sh', '-c', 'od -An -c | tr -s " "'], stdin: Buffer.from([0x61, 0x00, 0x62]), wait: true, cwd: dir }), 'run');
  assert.equal(fed.stdout_tail, ' a \\0 b\n', 'exact bytes, NUL included');
  const again = answer(await lib.restart({ ...base, id: fed.job_id, wait: true }), 'restart');
  assert.equal(again.job_id, fed.job_id);
  assert.equal(answer(await lib.status({ ...base, id: fed.job_id }), 'status').attempt, 2);
  assert.equal(again.stdout_tail, fed.stdout_tail, 'the stored stdin is fed again');
  const text = answer(await lib.run({ ...base, command: 'cat', stdin: 'hello', wait: true, cwd: dir }), 'run');
  assert.equal(text.stdout_tail, 'hello');
  await rejects(lib.run({ ...base, command: 'cat', stdin: 42, cwd: dir }), 'usage_error', /stdin must be/);
  await rejects(lib.run({ ...base, command: 'cat', stdinFile: '-', cwd: dir }), 'usage_error', /standard input/);
  await rejects(lib.run({ ...base, command: 'cat', stdin: Buffer.alloc(64 * 1024 * 1024 + 1), cwd: dir }), 'usage_error', /64 MiB/);
  const running = answer(await lib.run({ ...base, command: ['sleep', '60'], snapshotAfter: '0', cwd: dir }), 'run');
  await rejects(lib.restart({ ...base, id: running.job_id }), 'invalid_state');
  await lib.kill({ ...base, id: running.job_id, grace: '2s' });
});

test('several ids: wait and kill take id as a list and answer jobs[]', async (t) => {
  const { base, dir } = setup(t);
  const a = answer(await lib.run({ ...base, command: 'exit 3', snapshotAfter: '0', cwd: dir }), 'run');
  const b = answer(await lib.run({ ...base, command: 'true', snapshotAfter: '0', cwd: dir }), 'run');
  const both = answer(await lib.wait({ ...base, id: [a.job_id, b.job_id], timeout: '30s' }), 'wait');
  assert.deepEqual(both.jobs.map((j) => [j.job_id, j.exit_code]), [[a.job_id, 3], [b.job_id, 0]]);
  assert.deepEqual(both.pending, []);
  const s1 = answer(await lib.run({ ...base, command: ['sleep', '60'], snapshotAfter: '0', cwd: dir }), 'run');
  const s2 = answer(await lib.run({ ...base, command: ['sleep', '60'], snapshotAfter: '0', cwd: dir }), 'run');
  const killed = answer(await lib.kill({ ...base, id: [s1.job_id, s2.job_id], grace: '2s' }), 'kill');
  assert.equal(killed.count, 2);
});

test('a wait that hits its timeout resolves with wait_timed_out; a bare integer duration warns', async (t) => {
  const { base, dir } = setup(t);
  const ran = await lib.run({ ...base, command: ['sleep', '30'], snapshotAfter: '0', cwd: dir });
  const waited = answer(await lib.wait({ ...base, id: ran.job_id, timeout: 300 }), 'wait');
  assert.equal(waited.wait_timed_out, true);
  assert.deepEqual(waited.warnings, ['--timeout 300 is 300 ms; write 300s for seconds, 300ms for milliseconds']);
  answer(await lib.kill({ ...base, id: ran.job_id, signal: 'KILL' }), 'kill');
});

test('failures reject with JobctlError carrying the CLI\'s code, retryable and details', async (t) => {
  const { base, dir } = setup(t);
  const { job_id: id } = await lib.create({ ...base, command: ['true'], cwd: dir });
  await rejects(lib.status({ ...base, id: 'zzzzzzzzzzzz' }), 'job_not_found');
  await rejects(lib.status({ ...base }), 'usage_error', /job id/);
  await rejects(lib.run({ ...base, cwd: dir }), 'usage_error', /no command/);
  await rejects(lib.run({ ...base, command: [] }), 'usage_error', /command/);
  await rejects(lib.run({ ...base, command: ['true'], snapshotAfter: 'soon' }), 'invalid_duration');
  await rejects(lib.wait({ ...base, id: 'x', timeout: '5 minutes' }), 'invalid_duration');
  await rejects(lib.kill({ ...base, id: 'x', signal: 'SIGNOPE' }), 'invalid_signal');
  await rejects(lib.run({ ...base, command: ['true'], tag: 'bad tag!' }), 'invalid_tag');
  await rejects(lib.status({ ...base, id: 'x', root: 17 }), 'usage_error', /root must be a string/);
  await rejects(lib.run({ root: base.root, config: join(dir, 'missing.toml'), command: ['true'] }), 'config_error');
  await rejects(lib.tail({ ...base, id, tailLines: 'many' }), 'usage_error', /integer/);
  // Unknown option names, the CLI's spellings and the streaming forms are usage errors.
  await assert.rejects(lib.run({ ...base, command: ['true'], snapshotAftr: '1s' }), (err) => {
    assert.equal(err.code, 'usage_error');
    assert.match(err.message, /unknown option snapshotAftr; did you mean snapshotAfter\?/);
    assert.deepEqual(err.details, { option: 'snapshotAftr', suggestion: 'snapshotAfter' });
    assert.equal(err.retryable, false);
    return true;
  });
  await rejects(lib.run({ ...base, command: ['true'], 'snapshot-after': '1s' }), 'usage_error', /unknown option/);
  await rejects(lib.list({ ...base, jsonl: true }), 'usage_error', /unknown option jsonl/);
  await rejects(lib.logs({ ...base, id: 'x', follow: true }), 'usage_error', /unknown option follow/);
  await rejects(lib.status({ ...base, taskId: 'x' }), 'usage_error', /unknown option/);
  await rejects(lib.status('abc'), 'usage_error', /must be an object/);
  const { jobs } = await lib.list({ ...base, all: true });
  assert.deepEqual(jobs.map((j) => j.job_id), [id], 'no failed call created a job');
});

test('the library writes nothing to stdout', async (t) => {
  const { base, dir } = setup(t);
  const script = join(dir, 'calls.mjs');
  writeFileSync(script, `import { run, wait, status, list } from ${JSON.stringify(join(PROJECT, 'dist', 'index.js'))};
const base = ${JSON.stringify(base)};
const r = await run({ ...base, command: 'echo hello', snapshotAfter: '5s' });
await wait({ ...base, id: r.job_id, timeout: '5s' });
await status({ ...base, id: r.job_id });
await list({ ...base, all: true });
await status({ ...base, id: 'nope' }).catch(() => {});
process.stderr.write('done ' + r.state + '\\n');
`);
  const out = execFileSync(process.execPath, [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.equal(out, '');
});

test('the type declarations describe the options: a typo does not type-check', async (t) => {
  const { dir } = setup(t);
  const file = join(dir, 'use.ts');
  writeFileSync(file, `import { run, wait, JobctlError, type WaitOptions } from ${JSON.stringify(join(PROJECT, 'dist', 'index.js'))};
const options: WaitOptions = { id: 'abc', timeout: '30s', tailLines: 5 };
export async function use(): Promise<string> {
  const r = await run({ command: ['make', 'test'], snapshotAfter: '5s', tag: ['ci'], wait: false });
  const t: 'run' = r.type;
  try { await wait(options); } catch (e) { if (e instanceof JobctlError) return e.code; }
  // @ts-expect-error: not an option of run
  await run({ command: 'x', snapshotAftr: '5s' });
  // @ts-expect-error: wait is a boolean
  await run({ command: 'x', wait: 'yes' });
  return t;
}
`);
  const tsc = join(PROJECT, 'node_modules', '.bin', 'tsc');
  execFileSync(tsc, ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', '--typeRoots', join(PROJECT, 'node_modules', '@types'), file], { encoding: 'utf8', cwd: dir });
});
