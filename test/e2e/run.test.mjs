import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { withRoot, waitFor } from '../helpers/jobctl.mjs';

test('run --wait of a command that exits 0 returns exited with its output', async (t) => {
  const { run } = withRoot(t);
  const { json } = await run(['run', '--wait', '--', 'echo', 'hello world']);
  assert.equal(json.type, 'run');
  assert.equal(json.state, 'exited');
  assert.equal(json.exit_code, 0);
  assert.equal(json.timed_out, false);
  assert.equal(json.stdout_tail, 'hello world\n');
  assert.deepEqual(json.stdout_range, [0, 12]);
  assert.equal(json.stdout_total_bytes, 12);
  assert.equal(json.truncated, false);
  assert.match(json.job_id, /^[0-9a-z]{20}$/);
  assert.equal(json.short_id, json.job_id.slice(0, 8));
  assert.ok(json.duration_ms >= 0);
});

test('a non-zero exit is exited with that code, stderr captured separately', async (t) => {
  const { run } = withRoot(t);
  const { json } = await run(['run', '--wait', '--', 'sh', '-c', 'echo out; echo err >&2; exit 7']);
  assert.equal(json.state, 'exited');
  assert.equal(json.exit_code, 7);
  assert.equal(json.stdout_tail, 'out\n');
  assert.equal(json.stderr_tail, 'err\n');
});

test('a single command word is a shell string; two or more are an argv without a shell', async (t) => {
  const { run } = withRoot(t);
  const shell = await run(['run', '--wait', 'echo $((1+2)) | tr 3 x']);
  assert.equal(shell.json.stdout_tail, 'x\n');
  const argv = await run(['run', '--wait', '--', 'echo', '$((1+2))', '|']);
  assert.equal(argv.json.stdout_tail, '$((1+2)) |\n');
  const cmd = await run(['run', '--wait', '--cmd', 'echo via-cmd']);
  assert.equal(cmd.json.stdout_tail, 'via-cmd\n');
});

test('flags after the first command word belong to the command', async (t) => {
  const { run } = withRoot(t);
  const { json } = await run(['run', '--wait', 'ls', '-d', '--', '/']);
  assert.equal(json.stdout_tail, '/\n');
});

test('--shell-wrapper and [shell] unix choose the shell', async (t) => {
  const { run, base } = withRoot(t);
  const wrapped = await run(['run', '--wait', '--shell-wrapper', 'bash -c', 'echo $BASH_VERSION | cut -c1']);
  assert.match(wrapped.json.stdout_tail, /^\d\n$/);
  const config = join(base, 'config.toml');
  writeFileSync(config, '[shell]\nunix = ["bash", "-c"]\n');
  const configured = await run(['run', '--wait', 'echo ${BASH_VERSINFO[0]}'], { config });
  assert.match(configured.json.stdout_tail, /^\d+\n$/);
});

test('--snapshot-after returns while the job runs; run returns early when the job ends', async (t) => {
  const { run } = withRoot(t);
  const early = await run(['run', '--snapshot-after', '0', '--', 'sleep', '30']);
  assert.ok(['queued', 'running'].includes(early.json.state), early.json.state);
  assert.equal(early.json.exit_code, undefined);
  await run(['kill', early.json.job_id]);
  const quick = await run(['run', '--snapshot-after', '20s', '--', 'true']);
  assert.equal(quick.json.state, 'exited');
  assert.ok(quick.json.waited_ms < 15000);
});

test('cwd, env, env-file and their aliases reach the job', async (t) => {
  const { run, base } = withRoot(t);
  const work = join(base, 'work dir');
  mkdirSync(work);
  const envFile = join(base, 'vars.env');
  writeFileSync(envFile, '# comment\nexport FROM_FILE="file value"\nOVERRIDDEN=file\n');
  const { json } = await run(
    ['run', '--wait', '--workspace', work, '--env', 'A=1', '--env', 'OVERRIDDEN=flag', '--env', 'INHERITED', '--env-file', envFile,
      '--', 'sh', '-c', 'pwd; echo "$A|$FROM_FILE|$OVERRIDDEN|$INHERITED"'],
    { env: { INHERITED: 'from-caller' } },
  );
  assert.equal(json.stdout_tail, `${work}\n1|file value|flag|from-caller\n`);
  const workdir = await run(['run', '--wait', '--workdir', work, '--', 'pwd']);
  assert.equal(workdir.json.stdout_tail, `${work}\n`);
});

test('a program that cannot be started is failed, with the reason', async (t) => {
  const { run } = withRoot(t);
  const { json } = await run(['run', '--wait', '--', '/no/such/program', 'x']);
  assert.equal(json.state, 'failed');
  assert.equal(json.error.code, 'launch_failed');
  assert.match(json.error.message, /ENOENT/);
  assert.equal(json.exit_code, undefined);
});

test('50 MB of output is captured byte for byte', async (t) => {
  const { run, base } = withRoot(t);
  const source = join(base, 'payload.bin');
  writeFileSync(source, randomBytes(50 * 1024 * 1024));
  const { json } = await run(['run', '--wait', '--tail-lines', '3', '--', 'cat', source]);
  assert.equal(json.state, 'exited');
  assert.equal(json.exit_code, 0);
  assert.equal(json.stdout_total_bytes, 50 * 1024 * 1024);
  const sha = (buf) => createHash('sha256').update(buf).digest('hex');
  const log = readFileSync(json.stdout_log_path);
  assert.equal(sha(log), sha(readFileSync(source)));
  const [begin, end] = json.stdout_range;
  assert.equal(end, log.length);
  assert.ok(end - begin <= 65536, 'the tail respects the default byte cap');
  assert.equal(json.truncated, true);
});

test('tail honours --tail-lines and --max-bytes and reports ranges', async (t) => {
  const { run } = withRoot(t);
  const { json } = await run(['run', '--wait', '--', 'sh', '-c', 'for i in 1 2 3 4 5; do echo line$i; done; echo oops >&2']);
  const two = await run(['tail', '--tail-lines', '2', json.job_id]);
  assert.equal(two.json.type, 'tail');
  assert.equal(two.json.stdout_tail, 'line4\nline5\n');
  assert.deepEqual(two.json.stdout_range, [18, 30]);
  assert.equal(two.json.stdout_total_bytes, 30);
  assert.equal(two.json.stderr_tail, 'oops\n');
  assert.equal(two.json.truncated, true);
  const capped = await run(['tail', '--max-bytes', '4', json.job_id]);
  assert.equal(capped.json.stdout_tail, 'ne5\n');
  assert.deepEqual(capped.json.stdout_range, [26, 30]);
  const whole = await run(['tail', json.job_id]);
  assert.equal(whole.json.truncated, false);
  assert.equal(whole.json.stdout_range[0], 0);
});

test('--progress-every records a heartbeat with byte counts while the job runs', async (t) => {
  const { run } = withRoot(t);
  const { json } = await run(['run', '--snapshot-after', '0', '--progress-every', '100ms', '--', 'sh', '-c', 'echo hi; sleep 300']);
  t.after(() => run(['kill', json.job_id]));
  const status = await waitFor(async () => {
    const s = (await run(['status', json.job_id])).json;
    return s.progress?.stdout_bytes === 3 ? s : undefined;
  }, { what: 'a progress heartbeat' });
  assert.equal(status.progress.stderr_bytes, 0);
});
