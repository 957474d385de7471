// Waiting jobs hold no process (supervisor/dispatch.ts): faults around the hand-over — the
// supervisor that should start the next job SIGKILLed at the worst moment, concurrent runs and
// kills on one queue, a dependency lost under 100 waiters, a retry delay across a reboot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync, rmSync, utimesSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { withRoot, waitFor, processAlive, runUntilRunning, maxOverlap } from '../helpers/jobctl.mjs';

const stateOf = (root, id) => JSON.parse(readFileSync(join(root, id, 'state.json'), 'utf8'));
const ms = (t) => Date.parse(t);
const lines = (path) => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : []);

function writeConfig(base, text) {
  const path = join(base, 'config.toml');
  writeFileSync(path, text);
  return path;
}


/** Runs `fn` over `items`, `width` at a time. */
async function inBatches(items, width, fn) {
  const out = [];
  for (let i = 0; i < items.length; i += width) out.push(...(await Promise.all(items.slice(i, i + width).map(fn))));
  return out;
}

test('a supervisor SIGKILLed after its job ended, before it started the next: the next command starts the waiter, each job runs once', async (t) => {
  const { base, root, run } = withRoot(t);
  const config = writeConfig(base, '[queues.ci]\nmax_concurrent = 1\n');
  const marks = join(base, 'marks');
  const gate = join(base, 'gate');
  const a = await runUntilRunning(run, ['--queue', 'ci', '--', 'sh', '-c', 'while [ ! -e "$1" ]; do sleep 0.02; done; echo a >> "$2"', 'sh', gate, marks], { config });
  const b = (await run(['run', '--queue', 'ci', '--snapshot-after', '0', '--', 'sh', '-c', 'echo b >> "$1"', 'sh', marks], { config })).json;
  await waitFor(() => stateOf(root, b.job_id).parked === true, { what: 'B to wait as a record' });
  assert.equal(stateOf(root, b.job_id).supervisor_pid, undefined, 'a waiting job holds no process');

  // Fault injection: the scheduling lock is held (kept fresh) so that A's supervisor, once its
  // job ended and its slot is given back, blocks right before starting B; then it is SIGKILLed.
  const lock = join(root, '.slots', '.lock');
  mkdirSync(lock);
  const fresh = setInterval(() => utimesSync(lock, new Date(), new Date()), 500);
  t.after(() => clearInterval(fresh));
  writeFileSync(gate, '');
  await waitFor(() => stateOf(root, a.job_id).state === 'exited', { what: 'A to end' });
  const supervisor = stateOf(root, a.job_id).supervisor_pid;
  assert.ok(processAlive(supervisor), "A's supervisor is still handing over");
  process.kill(supervisor, 'SIGKILL');
  await waitFor(() => !processAlive(supervisor), { what: "A's supervisor to die" });
  clearInterval(fresh);
  rmSync(lock, { recursive: true });
  assert.equal(stateOf(root, b.job_id).state, 'queued', 'nobody started B yet');

  // Any command that reads the store repairs it.
  await run(['list'], { config });
  await waitFor(() => stateOf(root, b.job_id).state === 'exited', { what: 'B to run' });
  assert.deepEqual(lines(marks).sort(), ['a', 'b'], 'every job ran exactly once');
  const q = (await run(['queue'], { config })).json.limits.find((l) => l.name === 'ci');
  assert.deepEqual({ running: q.running, queued: q.queued }, { running: [], queued: [] });
});

test('30 concurrent runs and kills on one queue: the limit holds, FIFO among survivors, nothing started twice, none left waiting', async (t) => {
  const { base, root, run } = withRoot(t);
  const config = writeConfig(base, '[queues.ci]\nmax_concurrent = 2\n');
  const marks = join(base, 'marks');
  const ids = await inBatches([...Array(30).keys()], 10, async (i) => (await run(['run', '--queue', 'ci', '--snapshot-after', '0', '--', 'sh', '-c', 'echo "$1" >> "$2"; sleep 1', 'sh', String(i), marks], { config })).json.job_id);
  // Kill every third job, concurrently with the queue moving on.
  const victims = ids.filter((_, i) => i % 3 === 1);
  await Promise.all(victims.map((id) => run(['kill', id], { config })));
  const done = await inBatches(ids, 10, (id) => run(['wait', '--timeout', '120s', id], { config }));
  done.forEach((d) => assert.equal(d.json.wait_timed_out, false, `job ${d.json.job_id} ended`));
  const states = ids.map((id) => stateOf(root, id));
  const started = states.map((s, i) => ({ ...s, i })).filter((s) => s.started_at !== undefined);
  assert.ok(maxOverlap(started) <= 2, 'never more than 2 at once');
  const counts = new Map();
  for (const m of lines(marks)) counts.set(m, (counts.get(m) ?? 0) + 1);
  for (const [i, n] of counts) assert.equal(n, 1, `job ${i} started once`);
  assert.equal(counts.size, started.length, 'a job ran exactly when it has a start time');
  const survivors = states.map((s, i) => ({ ...s, i })).filter((s, i) => !victims.includes(ids[i]));
  survivors.forEach((s) => assert.equal(s.state, 'exited', `job ${s.i} not killed ran to its end`));
  // FIFO: no survivor ran start to end while one queued before it still waited.
  for (const x of survivors) for (const y of survivors) {
    if (ms(x.queued_at) < ms(y.queued_at)) assert.ok(ms(x.started_at) <= ms(y.finished_at), `job ${x.i} (queued first) started before job ${y.i} ended`);
  }
  const q = (await run(['queue'], { config })).json.limits.find((l) => l.name === 'ci');
  assert.deepEqual({ running: q.running, queued: q.queued }, { running: [], queued: [] }, 'none left waiting');
});

test('a dependency lost while 100 jobs wait on it: --after-ok waiters fail, --after waiters run, no process waited', async (t) => {
  const { base, root, run } = withRoot(t);
  const marks = join(base, 'marks');
  const dep = await runUntilRunning(run, ['--', 'sleep', '300']);
  t.after(() => { try { process.kill(-dep.pid, 'SIGKILL'); } catch { /* gone */ } });
  const waiters = await inBatches([...Array(100).keys()], 10, async (i) => {
    const flag = i % 2 === 0 ? '--after-ok' : '--after';
    return { i, flag, id: (await run(['run', '--snapshot-after', '0', flag, dep.job_id, '--', 'sh', '-c', 'echo "$1" >> "$2"', 'sh', String(i), marks])).json.job_id };
  });
  for (const w of waiters) {
    const s = stateOf(root, w.id);
    assert.equal(s.state, 'queued');
    assert.equal(s.supervisor_pid, undefined, 'waiting on a dependency holds no process');
  }
  // The dependency's supervisor and process die without a word.
  process.kill(dep.supervisor_pid, 'SIGKILL');
  process.kill(-dep.pid, 'SIGKILL');
  await run(['status', dep.job_id]);
  const ended = await inBatches(waiters, 10, (w) => run(['wait', '--timeout', '120s', w.id]));
  ended.forEach((e) => assert.equal(e.json.wait_timed_out, false));
  for (const w of waiters) {
    const s = stateOf(root, w.id);
    if (w.flag === '--after-ok') {
      assert.equal(s.state, 'failed', `waiter ${w.i}`);
      assert.equal(s.error.code, 'dependency_failed');
    } else assert.equal(s.state, 'exited', `waiter ${w.i}`);
  }
  assert.deepEqual(lines(marks).map(Number).sort((x, y) => x - y), waiters.filter((w) => w.flag === '--after').map((w) => w.i), 'only --after waiters ran, once each');
});

test('a retry delay across a reboot: the job stays queued (not lost) and its retry runs when its time comes', async (t) => {
  const { base, root, run } = withRoot(t);
  const counter = join(base, 'counter');
  const script = 'n=$(cat "$1" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$1"; [ $n -ge 2 ]';
  const { json } = await run(['run', '--snapshot-after', '0', '--retry', '1', '--retry-delay', '3s', '--', 'sh', '-c', script, 'sh', counter]);
  await waitFor(() => stateOf(root, json.job_id).parked === true && stateOf(root, json.job_id).retry_at !== undefined, { what: 'the retry to wait as a record' });
  // The retry timer is the only process; a reboot ends it, and the boot id changes.
  const timerPath = join(root, '.slots', '.retry', '.timer');
  await waitFor(() => existsSync(timerPath), { what: 'the retry timer' });
  const timer = JSON.parse(readFileSync(timerPath, 'utf8'));
  process.kill(timer.pid, 'SIGKILL');
  await waitFor(() => !processAlive(timer.pid), { what: 'the timer to die' });
  writeFileSync(timerPath, JSON.stringify({ ...timer, boot_id: '00000000-0000-0000-0000-000000000000' }));
  const status = (await run(['status', json.job_id])).json;
  assert.equal(status.state, 'queued', 'a waiting record outlives a reboot');
  assert.match(status.waiting_for, /^retry at /);
  // That command started a new timer: the retry runs with no other command.
  await waitFor(() => stateOf(root, json.job_id).state === 'exited', { timeoutMs: 30000, what: 'the retry to run' });
  const end = stateOf(root, json.job_id);
  assert.equal(end.exit_code, 0);
  assert.equal(end.attempt, 2);
  assert.ok(ms(end.started_at) >= ms(end.attempts[0].finished_at) + 3000, 'not before its time');
});

test('a dependency deleted while 100 jobs wait on it: --after-ok waiters fail naming it, --after waiters run', async (t) => {
  const { base, root, run } = withRoot(t);
  const marks = join(base, 'marks');
  const dep = (await run(['create', '--', 'true'])).json.job_id;
  const lines = Array.from({ length: 100 }, (_, i) => JSON.stringify({ command: ['sh', '-c', 'echo "$1" >> "$2"', 'sh', String(i), marks], [i % 2 === 0 ? 'after_ok' : 'after']: dep, tags: ['w'] }));
  const submitted = (await run(['submit', '-'], { input: lines.join('\n') })).json;
  assert.equal(submitted.count, 100);
  submitted.jobs.forEach((j) => assert.equal(stateOf(root, j.job_id).parked, true, 'waits as a record'));
  assert.equal((await run(['delete', dep])).json.ok, true);
  const done = (await run(['wait', '--tag', 'w', '--timeout', '120s'])).json;
  assert.equal(done.wait_timed_out, false);
  const lineOf = new Map(submitted.jobs.map((j) => [j.job_id, j.line - 1]));
  done.jobs.forEach((j) => {
    const i = lineOf.get(j.job_id);
    if (i % 2 === 0) {
      assert.equal(j.state, 'failed', `waiter ${i}`);
      assert.equal(j.error.code, 'dependency_failed');
      assert.match(j.error.message, /was deleted/);
    } else assert.equal(j.state, 'exited', `waiter ${i}`);
  });
  assert.deepEqual(readFileSync(marks, 'utf8').trim().split('\n').map(Number).sort((x, y) => x - y), [...Array(50).keys()].map((k) => 2 * k + 1));
});
