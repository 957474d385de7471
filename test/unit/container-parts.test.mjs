// The parts of the container target that need no runtime: inspect states as phases, the run
// command line and environment plan, the k8s-file log reader, the offset router, and the log
// reader's handling of a CLI that prints its own error on the container's stderr.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerPhase, normalizeTime } from '../../dist/lib/executors/container/state.js';
import { planEnv, runArgs } from '../../dist/lib/executors/container/args.js';
import { K8sLogReader } from '../../dist/lib/executors/container/k8s-log.js';
import { StreamRouter } from '../../dist/lib/executors/container/route.js';
import { LogStream } from '../../dist/lib/executors/container/follow.js';

function tempDir(t) {
  const dir = mkdtempSync(join(tmpdir(), 'jobctl-ct-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A LogSink over two files, like the supervisor's. */
function fileSink(dir) {
  const path = (s) => join(dir, `${s}.log`);
  writeFileSync(path('stdout'), '');
  writeFileSync(path('stderr'), '');
  return {
    size: (s) => statSync(path(s)).size,
    append: (s, bytes) => appendFileSync(path(s), bytes),
    read: (s) => readFileSync(path(s)),
  };
}

const ctx = { runtime: 'docker', memoryLimitBytes: undefined, signalled: false };

test('inspect states map to phases; times become RFC 3339 UTC with milliseconds', () => {
  assert.deepEqual(containerPhase({ Status: 'created', Error: '' }, ctx), { phase: 'pending' });
  assert.deepEqual(containerPhase({ Status: 'running', StartedAt: '2026-11-21T07:08:09.123456789Z' }, ctx), { phase: 'running', startedAt: '2026-11-21T07:08:09.123Z' });
  assert.deepEqual(containerPhase({ Status: 'exited', ExitCode: 3, OOMKilled: false, Error: '' }, ctx), { phase: 'ended', code: 3 });
  const oom = containerPhase({ Status: 'exited', ExitCode: 137, OOMKilled: true }, { ...ctx, memoryLimitBytes: 1024 });
  assert.equal(oom.error.code, 'oom_killed');
  assert.equal(oom.code, 137);
  // podman without the OOM flag: a SIGKILL nobody here sent, under a limit.
  const podman = { runtime: 'podman', memoryLimitBytes: 1024, signalled: false };
  assert.equal(containerPhase({ Status: 'exited', ExitCode: 137, OOMKilled: false }, podman).error.code, 'oom_killed');
  assert.equal(containerPhase({ Status: 'exited', ExitCode: 137, OOMKilled: false }, { ...podman, signalled: true }).error, undefined);
  assert.equal(containerPhase({ Status: 'exited', ExitCode: 137, OOMKilled: false }, { ...podman, memoryLimitBytes: undefined }).error, undefined);
  // Never started: no exit status is invented.
  assert.deepEqual(containerPhase({ Status: 'created', ExitCode: 127, Error: 'exec: "x": not found' }, ctx), { phase: 'ended', neverStarted: true, error: { code: 'container_error', message: 'exec: "x": not found' } });
  // A container that ran between two polls keeps the runtime's own start and end.
  assert.deepEqual(containerPhase({ Status: 'exited', ExitCode: 0, StartedAt: '2026-11-21T07:08:09.100Z', FinishedAt: '2026-11-21T07:08:10.250Z' }, ctx),
    { phase: 'ended', code: 0, startedAt: '2026-11-21T07:08:09.100Z', finishedAt: '2026-11-21T07:08:10.250Z' });
  assert.equal(normalizeTime('2026-11-21T08:08:09.5+01:00'), '2026-11-21T07:08:09.500Z');
  assert.equal(normalizeTime('2026-11-21T07:08:09Z'), '2026-11-21T07:08:09.000Z');
  assert.equal(normalizeTime('0001-01-01T00:00:00Z'), undefined);
  assert.equal(normalizeTime('garbage'), undefined);
});

test('the run command line carries no environment value; variables the CLI obeys go through an env file', () => {
  const plan = planEnv({ SECRET: 'hunter2', PATH: '/bin', DOCKER_HOST: 'tcp://inner:2375', http_proxy: 'http://p' });
  assert.deepEqual(plan.cliEnv, { SECRET: 'hunter2' });
  assert.equal(plan.envFile, 'PATH=/bin\nDOCKER_HOST=tcp://inner:2375\nhttp_proxy=http://p\n');
  assert.throws(() => planEnv({ HOME: 'a\nb' }), /line break/);
  const def = { type: 'container', runtime: 'docker', image: 'img:1', volumes: ['/a:/b'], workdir: '/w', network: 'none', labels: [], env: {} };
  const meta = { job_id: 'abc', argv: ['sh', '-c', 'echo $SECRET'], memory_limit_bytes: 33554432, cpu_limit: 1.5 };
  const args = runArgs(def, meta, plan, '/spool/container.env');
  assert.deepEqual(args, ['run', '-d', '--name', 'jobctl-abc', '--label', 'jobctl.job=abc', '--init', '--pull', 'never',
    '--log-driver', 'local', '--log-opt', 'max-size=100m', '--log-opt', 'max-file=10', '--network', 'none', '-v', '/a:/b', '-w', '/w',
    '--memory', '33554432b', '--cpus', '1.5', '--env-file', '/spool/container.env', '-e', 'SECRET', '--', 'img:1', 'sh', '-c', 'echo $SECRET']);
  assert.ok(!args.join(' ').includes('hunter2'));
  assert.equal(runArgs({ ...def, runtime: 'podman' }, { ...meta, workdir: '/job' }, plan, undefined).slice(9, 11).join(' '), '--log-driver k8s-file');
  assert.ok(runArgs(def, { ...meta, workdir: '/job' }, plan, undefined).includes('/job'));
});

test('the router appends only past the local end and refuses a gap', (t) => {
  const sink = fileSink(tempDir(t));
  sink.append('stdout', Buffer.from('abc'));
  const router = new StreamRouter(sink);
  assert.equal(router.route('stdout', Buffer.from('ab')), true);
  assert.equal(router.route('stdout', Buffer.from('cde')), true);
  assert.equal(sink.read('stdout').toString(), 'abcde');
  // Bytes that never reached the local log leave a gap: later bytes are refused, not misplaced.
  const lossy = new StreamRouter({ size: () => 0, append: () => {} });
  assert.equal(lossy.route('stdout', Buffer.from('ab')), true);
  assert.equal(lossy.route('stdout', Buffer.from('cd')), false);
});

test('k8s-file records become exact bytes; a half-written record waits; a new reader resumes by offset', (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'ctr.log');
  const ts = '2026-11-21T10:27:41.649368482+00:00';
  writeFileSync(log, Buffer.concat([
    Buffer.from(`${ts} stdout F a\n${ts} stdout P b\n${ts} stderr F \xff\xfe\x00\r`, 'latin1'),
    Buffer.from(`\n${ts} stdout F  spaced \n${ts} stdout P no-newl`),
  ]));
  const sink = fileSink(dir);
  const reader = new K8sLogReader(log, sink);
  reader.drain();
  assert.equal(sink.read('stdout').toString(), 'a\nb spaced \n');
  assert.deepEqual(sink.read('stderr'), Buffer.from([0xff, 0xfe, 0, 13, 10]));
  appendFileSync(log, `ine\n${ts} stderr P end\n`);
  reader.drain();
  assert.equal(sink.read('stdout').toString(), 'a\nb spaced \nno-newline');
  // A replacement supervisor reads from byte 0 and adds nothing twice.
  new K8sLogReader(log, sink).drain();
  assert.equal(sink.read('stdout').toString(), 'a\nb spaced \nno-newline');
  assert.equal(sink.read('stderr').toString('latin1'), '\xff\xfe\x00\r\nend');
  writeFileSync(log, 'not a log\n');
  assert.throws(() => new K8sLogReader(log, fileSink(dir)).drain(), /unreadable log record/);
});

/** A stand-in runtime CLI whose `logs` prints `script` (sh). */
function fakeRuntime(dir, script) {
  const path = join(dir, 'fake-runtime');
  writeFileSync(path, `#!/bin/sh\n[ "$1" = logs ] || exit 2\n${script}\n`);
  chmodSync(path, 0o755);
  return path;
}

test('a log reader never copies the CLI\'s own error message into the job\'s stderr', async (t) => {
  const dir = tempDir(t);
  const failing = fileSink(dir);
  const runtime = fakeRuntime(dir, 'printf out; printf "data\\n" >&2; sleep 0.5; echo "Error: daemon went away" >&2; exit 1');
  const stream = new LogStream(runtime, 'c1', true, failing);
  const end = await stream.ended;
  assert.equal(end.code, 1);
  assert.match(end.error, /daemon went away/);
  assert.equal(failing.read('stdout').toString(), 'out');
  assert.equal(failing.read('stderr').toString(), 'data\n');

  const okDir = tempDir(t);
  const clean = fileSink(okDir);
  const last = new LogStream(fakeRuntime(okDir, 'printf "last words" >&2; exit 0'), 'c1', false, clean);
  assert.equal((await last.ended).code, 0);
  assert.equal(clean.read('stderr').toString(), 'last words');
});

test('stop() ends a follower at once', async (t) => {
  const dir = tempDir(t);
  const sink = fileSink(dir);
  const stream = new LogStream(fakeRuntime(dir, 'echo hi; exec sleep 300'), 'c1', true, sink);
  const started = Date.now();
  await new Promise((r) => setTimeout(r, 100));
  await stream.stop();
  assert.ok(stream.exited);
  assert.ok(Date.now() - started < 5000);
});
