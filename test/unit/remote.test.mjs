// Pure parts of the remote executors: outcome rules, the SSH status parser, the generated
// wrapper script (run by a real sh here), executor selection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync, readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { remoteExit, remoteTerminalState } from '../../dist/lib/job/outcome.js';
import { parsePhase } from '../../dist/lib/executors/ssh/target.js';
import { runScript } from '../../dist/lib/executors/ssh/script.js';
import { selectExecutor } from '../../dist/lib/executors/select.js';
import { testDir, waitFor } from '../helpers/jobctl.mjs';

test('remote exit status: 128+N is a signal only when jobctl sent one', () => {
  assert.deepEqual(remoteExit(143, undefined, true), { code: null, signal: 'SIGTERM' });
  assert.deepEqual(remoteExit(143, undefined, false), { code: 143, signal: null });
  assert.deepEqual(remoteExit(3, undefined, true), { code: 3, signal: null });
  assert.deepEqual(remoteExit(undefined, 'SIGKILL', false), { code: null, signal: 'SIGKILL' });
  assert.deepEqual(remoteExit(undefined, undefined, false), { code: null, signal: null });
});

test('remote terminal state: lost and failed never carry an invented exit code', () => {
  const cur = { state: 'running', updated_at: '2026-01-01T00:00:00.000Z', started_at: '2026-01-01T00:00:00.000Z' };
  const base = { finishedAt: '2026-01-01T00:00:01.000Z', timedOut: false, killedForLogSize: false, logTruncated: false, diskFull: false };
  const lost = remoteTerminalState(cur, { ...base, exit: { code: null, signal: null }, lostReason: 'gone' });
  assert.equal(lost.state, 'lost');
  assert.equal(lost.exit_code, undefined);
  assert.equal(lost.duration_ms, 1000);
  const oom = remoteTerminalState(cur, { ...base, exit: { code: null, signal: null }, error: { code: 'oom_killed', message: 'x' } });
  assert.equal(oom.state, 'failed');
  assert.equal(oom.exit_code, undefined);
  const oomWithCode = remoteTerminalState(cur, { ...base, exit: { code: 137, signal: null }, error: { code: 'oom_killed', message: 'x' } });
  assert.deepEqual([oomWithCode.state, oomWithCode.exit_code], ['failed', 137]);
  const done = remoteTerminalState(cur, { ...base, exit: { code: 0, signal: null } });
  assert.deepEqual([done.state, done.exit_code], ['exited', 0]);
});

test('ssh status parser', () => {
  assert.deepEqual(parsePhase('running\nstdout 12\nstderr 0\n'), { phase: { phase: 'running' }, sizes: { stdout: 12, stderr: 0 } });
  assert.deepEqual(parsePhase('status 3\nstdout 1\nstderr 2\n').phase, { phase: 'ended', code: 3, timedOut: false });
  assert.deepEqual(parsePhase('status 143\ntimed_out\nstdout 0\nstderr 0\n').phase, { phase: 'ended', code: 143, timedOut: true });
  assert.deepEqual(parsePhase('status signal 9\nstdout 0\nstderr 0\n').phase, { phase: 'ended', signal: 'SIGKILL', timedOut: false });
  assert.equal(parsePhase('status error cannot change to the working directory /x\n').phase.error.code, 'launch_failed');
  assert.equal(parsePhase('vanished\nstdout 0\nstderr 0\n').phase.phase, 'ended');
  assert.match(parsePhase('vanished\n').phase.lostReason, /without recording/);
  assert.match(parsePhase('gone\n').phase.lostReason, /gone/);
});

test('the SSH wrapper records pid, exit status and a signal death; values are quoted as data', async (t) => {
  const dir = join(testDir(t), 'job');
  mkdirSync(dir);
  const nasty = `it's "x" $(touch ${dir}/pwned) \`y\` \\`;
  writeFileSync(join(dir, 'run.sh'), runScript({ argv: ['sh', '-c', 'printf "%s|%s" "$1" "$V"; exit 4', 'sh', nasty], env: { V: nasty }, workdir: dir, timeoutMs: undefined, killAfterMs: 1000 }));
  execFileSync('sh', [join(dir, 'run.sh')]);
  assert.equal(readFileSync(join(dir, 'stdout'), 'utf8'), `${nasty}|${nasty}`);
  assert.equal(readFileSync(join(dir, 'status'), 'utf8').trim(), '4');
  assert.match(readFileSync(join(dir, 'pid'), 'utf8'), /^\d+ \d*\n$/);
  assert.throws(() => readFileSync(join(dir, 'pwned')), /ENOENT/);

  // The leader SIGKILLed: the wrapper records the signal.
  const dir2 = join(testDir(t), 'job2');
  mkdirSync(dir2);
  writeFileSync(join(dir2, 'run.sh'), runScript({ argv: ['sleep', '30'], env: {}, workdir: undefined, timeoutMs: undefined, killAfterMs: 1000 }));
  const wrapper = (await import('node:child_process')).spawn('sh', [join(dir2, 'run.sh')], { stdio: 'ignore' });
  const pid = await waitFor(() => { try { return Number(readFileSync(join(dir2, 'pid'), 'utf8').split(' ')[0]); } catch { return 0; } }, { what: 'the pid file' });
  process.kill(-pid, 'SIGKILL');
  await new Promise((r) => wrapper.once('exit', r));
  assert.equal(readFileSync(join(dir2, 'status'), 'utf8').trim(), 'signal 9');
});

test('executor selection: name, labels in config order, default', () => {
  const config = {
    defaults: { executor: 'local' },
    executors: {
      local: { type: 'local', labels: [], env: {} },
      a: { type: 'ssh', host: 'a', labels: ['x', 'y'], env: {} },
      b: { type: 'ssh', host: 'b', labels: ['x', 'z'], env: {} },
    },
  };
  assert.equal(selectExecutor(config, undefined, []).name, 'local');
  assert.equal(selectExecutor(config, undefined, ['x']).name, 'a');
  assert.equal(selectExecutor(config, undefined, ['x', 'z']).name, 'b');
  assert.equal(selectExecutor(config, 'b', ['z']).name, 'b');
  assert.throws(() => selectExecutor(config, 'c', []), (err) => err.code === 'executor_not_found');
  assert.throws(() => selectExecutor(config, 'a', ['z']), (err) => err.code === 'executor_not_found');
  assert.throws(() => selectExecutor(config, undefined, ['q']), (err) => err.code === 'executor_not_found');
});
