// A sink never stalls the supervisor: special files named as sinks, sink paths that turn into
// FIFOs after they were accepted, command sinks that leave daemons behind or talk a lot on
// stderr, over-long output lines, and signals sent to the supervisor itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withRoot, waitFor, processAlive, supervisorGone, runUntilRunning, assertMatchesSchema } from '../helpers/jobctl.mjs';

const readJson = (p) => JSON.parse(readFileSync(p, 'utf8'));
const readLines = (p) => (existsSync(p) ? readFileSync(p, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
const stateOf = (root, id) => readJson(join(root, id, 'state.json'));
const mkfifo = (path) => execFileSync('mkfifo', [path]);

async function completion(root, id, sinks, timeoutMs = 15000) {
  const path = join(root, id, 'completion_event.json');
  return waitFor(() => {
    if (!existsSync(path)) return undefined;
    const c = readJson(path);
    return c.delivery_results.length === sinks ? c : undefined;
  }, { what: 'completion event deliveries', timeoutMs });
}

/**
 * A directory where sinks write the pids of what they leave running (`echo $$ >> FILE`); every
 * pid in it is SIGKILLed after the test. Call it before withRoot: after-hooks run in order, and
 * these processes must go before the root's supervisors are waited for.
 */
function daemonPids(t) {
  const dir = mkdtempSync(join(tmpdir(), 'jobctl-daemons-'));
  const pidsIn = () => readdirSync(dir).flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean).map(Number));
  const killAll = () => {
    for (const pid of pidsIn()) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
  };
  t.after(() => {
    killAll();
    rmSync(dir, { recursive: true, force: true });
  });
  return { file: (name) => join(dir, `${name}.pid`), pidsIn, killAll };
}

test('a FIFO, a device or a directory named as a sink file is refused up front', async (t) => {
  const { run, base, root } = withRoot(t);
  const fifo = join(base, 'sink.fifo');
  mkfifo(fifo);
  const dir = join(base, 'a-dir');
  mkdirSync(dir);
  const cases = [
    ['run', '--notify-file', fifo, '--', 'true'],
    ['run', '--output-pattern', 'x', '--output-file', fifo, '--', 'true'],
    ['create', '--notify-file', '/dev/null', '--', 'true'],
    ['create', '--output-pattern', 'x', '--output-file', dir, '--', 'true'],
  ];
  for (const args of cases) {
    const { json } = await run(args);
    assert.equal(json.ok, false, `refused: ${args.join(' ')}`);
    assert.equal(json.error.code, 'usage_error');
    assert.match(json.error.message, /not a regular file/);
  }
  assert.equal((await run(['list'])).json.jobs.length, 0, 'nothing was created');
  const { json: created } = await run(['create', '--', 'true']);
  for (const args of [['--file', fifo], ['--output-pattern', 'x', '--output-file', dir], ['--notify-file', '/dev/zero']]) {
    const { json } = await run(['notify', 'set', created.job_id, ...args]);
    assert.equal(json.error?.code, 'usage_error', `notify set ${args.join(' ')}`);
  }
  assert.deepEqual(readJson(join(root, created.job_id, 'meta.json')).notification, {}, 'notify set changed nothing');
});

test('a sink path that becomes a FIFO after it was accepted never stalls the supervisor', async (t) => {
  const { run, root, base } = withRoot(t);
  const matches = join(base, 'matches.fifo');
  const finished = join(base, 'finished.fifo');
  const go = join(base, 'go');
  // The job prints its matching line once the sink paths are FIFOs nobody reads, then runs past its timeout.
  const script = `while [ ! -e ${go} ]; do sleep 0.05; done; echo ERROR here; sleep 12`;
  const { json } = await run(['run', '--snapshot-after', '0', '--timeout', '2s', '--output-pattern', 'ERROR', '--output-file', matches, '--notify-file', finished, '--', 'sh', '-c', script]);
  mkfifo(matches);
  mkfifo(finished);
  writeFileSync(go, '');
  const events = join(root, json.job_id, 'notification_events.ndjson');
  const matched = await waitFor(() => readLines(events)[0], { what: 'the output event recorded' });
  assert.equal(matched.delivery_results[0].ok, false);
  assert.match(matched.delivery_results[0].error, /not a regular file|ENXIO/);
  const waited = await run(['wait', '--timeout', '8s', json.job_id]);
  assert.equal(waited.json.wait_timed_out, false, 'the timeout fired while the sinks were FIFOs');
  assert.equal(waited.json.timed_out, true);
  assert.notEqual(waited.json.state, 'exited');
  assert.ok(Date.parse(matched.delivery_results[0].attempted_at) < Date.parse(waited.json.finished_at), 'the match was delivered (and failed) while the job still ran');
  const c = await completion(root, json.job_id, 1);
  assert.equal(c.delivery_results[0].ok, false);
  await supervisorGone(root, json.job_id);
  const gone = await run(['delete', json.job_id]);
  assert.equal(gone.json.ok, true, 'delete does not wait on a reader');
});

test('a command sink that leaves a setsid daemon behind is judged on its own exit', async (t) => {
  const daemons = daemonPids(t);
  const { run, root, base } = withRoot(t);
  const config = join(base, 'config.toml');
  writeFileSync(config, '[notify]\ncommand_timeout = "5s"\n');
  // The daemon keeps the sink's stdin and stderr open for ten minutes.
  const daemon = (name) => `setsid sh -c 'echo $$ >> ${daemons.file(name)}; exec sleep 600' & echo started >&2`;
  const { json } = await run([
    'run', '--notify-command', `${daemon('finished')}; exit 0`,
    '--output-pattern', 'MATCH', '--output-command', `${daemon('match')}; exit 3`,
    '--', 'sh', '-c', 'echo MATCH one; echo MATCH two',
  ], { config });
  const c = await completion(root, json.job_id, 1, 4000);
  assert.equal(c.delivery_results[0].ok, true, JSON.stringify(c.delivery_results));
  const events = join(root, json.job_id, 'notification_events.ndjson');
  const matched = await waitFor(() => (readLines(events).length === 2 ? readLines(events) : undefined), { what: 'both matches delivered', timeoutMs: 4000 });
  for (const e of matched) {
    assert.equal(e.delivery_results[0].ok, false);
    assert.match(e.delivery_results[0].error, /^exit code 3/);
  }
  await supervisorGone(root, json.job_id);
  const left = await waitFor(() => (daemons.pidsIn().length === 3 ? daemons.pidsIn() : undefined), { what: 'the three daemons' });
  assert.ok(left.every(processAlive), 'the daemons live on, outside the supervisor');
  assert.equal(stateOf(root, json.job_id).state, 'exited');
  daemons.killAll();
});

test('a notify command is judged by its exit status alone; its stderr is kept as a bounded excerpt', async (t) => {
  const { run, root } = withRoot(t);
  const chatty = "head -c 100000 /dev/zero | tr '\\0' x >&2";
  const ok = await run(['run', '--wait', '--notify-command', `${chatty}; exit 0`, '--', 'true']);
  const good = await completion(root, ok.json.job_id, 1);
  assert.equal(good.delivery_results[0].ok, true, JSON.stringify(good.delivery_results[0]).slice(0, 300));
  const failing = await run(['run', '--wait', '--notify-command', `${chatty}; exit 5`, '--', 'true']);
  const bad = await completion(root, failing.json.job_id, 1);
  assert.equal(bad.delivery_results[0].ok, false);
  assert.match(bad.delivery_results[0].error, /^exit code 5: x+/);
  assert.ok(bad.delivery_results[0].error.length <= 600, `bounded excerpt (${bad.delivery_results[0].error.length} characters)`);
});

test('lines over the matcher limit are matched on their start only and marked line_truncated', async (t) => {
  const { run, root, base } = withRoot(t);
  const limit = 1024 * 1024;
  const filler = (n, c) => `head -c ${n} /dev/zero | tr '\\0' ${c}`;
  // 1: a 3 MiB line with E only near its end; 2: a line starting with E, 1.5 MiB long; 3: a short line.
  const script = `${filler(3 * limit, 'x')}; echo E; printf E; ${filler(1.5 * limit, 'y')}; echo; echo 'E short'`;
  for (const [type, pattern] of [['contains', 'E'], ['regex', '^E']]) {
    const out = join(base, `${type}.ndjson`);
    const { json } = await run(['run', '--wait', '--output-pattern', pattern, '--output-match-type', type, '--output-file', out, '--', 'sh', '-c', script]);
    await supervisorGone(root, json.job_id);
    const lines = readLines(out);
    assert.deepEqual(lines.map((e) => [e.line.length, e.line.slice(0, 7), e.line_truncated]), [[limit, 'Eyyyyyy', true], [7, 'E short', false]], `${type}: nothing matched inside a line`);
    lines.forEach((e) => assertMatchesSchema('job.output.matched', e));
  }
});

test('SIGTERM or SIGHUP to a supervisor is a kill of its job: recorded, delivered, then the supervisor exits', async (t) => {
  const { run, root, base } = withRoot(t);
  for (const signal of ['SIGTERM', 'SIGHUP']) {
    const file = join(base, `${signal}.ndjson`);
    const status = await runUntilRunning(run, ['--notify-file', file, '--', 'sleep', '300']);
    const { supervisor_pid: supervisor, pid } = stateOf(root, status.job_id);
    process.kill(supervisor, signal);
    await waitFor(() => !processAlive(supervisor), { what: `the supervisor to exit after ${signal}` });
    const state = stateOf(root, status.job_id);
    assert.equal(state.state, 'killed', `${signal}: ${JSON.stringify(state)}`);
    assert.equal(state.signal, 'SIGTERM');
    assert.equal(state.kill_reason, 'supervisor_signal');
    assert.ok(!processAlive(pid), 'the job process is gone');
    assert.deepEqual(readLines(file).map((e) => [e.state, e.kill_reason]), [['killed', 'supervisor_signal']]);
  }
  // A job waiting for another holds no supervisor at all (a record in the store): nothing to signal.
  const first = await runUntilRunning(run, ['--', 'sleep', '300']);
  const { json: queued } = await run(['run', '--after', first.job_id, '--snapshot-after', '0', '--', 'true']);
  await waitFor(() => stateOf(root, queued.job_id).parked === true, { what: 'the waiting job to be parked' });
  assert.equal(stateOf(root, queued.job_id).supervisor_pid, undefined);
});

test('while a sink hangs, the supervisor\'s tick still enforces the log cap and kill requests', async (t) => {
  const sinks = daemonPids(t);
  const { run, root, base } = withRoot(t);
  const config = join(base, 'config.toml');
  writeFileSync(config, '[notify]\ncommand_timeout = "10m"\n');
  const sinkPid = sinks.file('capped');
  const go = join(base, 'go');
  // The output sink hangs from the first match on; then the job writes past its log cap.
  const script = `echo MATCH; while [ ! -e ${go} ]; do sleep 0.05; done; head -c 100000 /dev/zero; sleep 300`;
  const { json } = await run(['run', '--snapshot-after', '0', '--max-log-bytes', '10k', '--output-pattern', 'MATCH', '--output-command', `echo $$ > ${sinkPid}; exec sleep 600`, '--', 'sh', '-c', script], { config });
  await waitFor(() => existsSync(sinkPid) && readFileSync(sinkPid, 'utf8').trim() !== '', { what: 'the output sink to hang' });
  writeFileSync(go, '');
  const capped = await run(['wait', '--timeout', '20s', json.job_id]);
  assert.equal(capped.json.wait_timed_out, false);
  assert.equal(capped.json.kill_reason, 'max_log_bytes');

  const otherSink = sinks.file('other');
  const other = await runUntilRunning(run, ['--output-pattern', 'MATCH', '--output-command', `echo $$ > ${otherSink}; exec sleep 600`, '--', 'sh', '-c', 'echo MATCH; exec sleep 300'], { config });
  await waitFor(() => existsSync(otherSink) && readFileSync(otherSink, 'utf8').trim() !== '', { what: 'the second output sink to hang' });
  const killed = await run(['kill', other.job_id]);
  assert.equal(killed.json.state, 'killed');
  assert.equal(killed.json.sent, true);
  // Released: each supervisor records its sink as failed and exits.
  sinks.killAll();
  await supervisorGone(root, json.job_id);
  await supervisorGone(root, other.job_id);
  const event = readLines(join(root, json.job_id, 'notification_events.ndjson'))[0];
  assert.match(event.delivery_results[0].error, /killed by SIGKILL/);
});

test('an --env-file replaced by a FIFO fails the launch at once instead of stalling the supervisor', async (t) => {
  const { run, base } = withRoot(t);
  const envFile = join(base, 'job.env');
  writeFileSync(envFile, 'A=1\n');
  const { json } = await run(['create', '--env-file', envFile, '--', 'true']);
  execFileSync('rm', [envFile]);
  mkfifo(envFile);
  const started = await run(['start', '--snapshot-after', '0', json.job_id]);
  assert.equal(started.json.ok, true);
  const ended = await run(['wait', '--timeout', '10s', json.job_id]);
  assert.equal(ended.json.state, 'failed');
  assert.equal(ended.json.error.code, 'launch_failed');
  assert.match(ended.json.error.message, /is a FIFO, not a regular file/);
});
