// Concurrency limits without a daemon: [queues.NAME] and [executors.NAME] max_concurrent slots,
// FIFO start order, reclaiming the slot of a SIGKILLed supervisor, kill of a waiting job, and
// the `queue` command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { withRoot, waitFor, runUntilRunning, supervisorGone, assertMatchesSchema, maxOverlap } from '../helpers/jobctl.mjs';

function writeConfig(base, text) {
  const path = join(base, 'config.toml');
  writeFileSync(path, text);
  return path;
}

const stateOf = (root, id) => JSON.parse(readFileSync(join(root, id, 'state.json'), 'utf8'));
const ms = (t) => Date.parse(t);


async function waitAll(run, ids) {
  const done = await Promise.all(ids.map((id) => run(['wait', '--timeout', '60s', id])));
  for (const d of done) assert.equal(d.json.wait_timed_out, false, `job ${d.json.job_id} did not end`);
  return done;
}

const waitingFor = (root, id, what) => waitFor(() => stateOf(root, id).waiting_for === what, { what: `${id} to wait for ${what}` });
const queueOf = async (run, config, kind, name) => (await run(['queue'], { config })).json.limits.find((l) => l.kind === kind && l.name === name);

test('a queue runs at most max_concurrent jobs at once, starting them in FIFO order', async (t) => {
  const { base, root, run } = withRoot(t);
  const config = writeConfig(base, '[queues.ci]\nmax_concurrent = 2\n');
  const ids = [];
  // Job i runs until job i+1 has started (at most 5 s): a second slot must be used for the
  // queue to move at all, however slowly a loaded machine starts supervisors.
  const marks = join(base, 'marks');
  mkdirSync(marks);
  const hold = 'touch "$1/started.$2"; n=0; while [ ! -e "$1/started.$3" ] && [ $n -lt 100 ]; do sleep 0.05; n=$((n+1)); done';
  for (let i = 0; i < 10; i++) {
    const { json } = await run(['run', '--queue', 'ci', '--snapshot-after', '0', '--', 'sh', '-c', hold, 'sh', marks, String(i), String(i + 1)], { config });
    ids.push(json.job_id);
  }
  const done = await waitAll(run, ids);
  done.forEach((d) => assert.equal(d.json.exit_code, 0));
  const states = ids.map((id) => stateOf(root, id));
  states.forEach((s) => assert.equal(s.waiting_for, undefined, 'waiting_for is cleared once the job has its slot'));
  const parallelism = maxOverlap(states);
  const order = ids.map((id, i) => ({ id, i, started: ms(stateOf(root, id).started_at) })).sort((a, b) => a.started - b.started).map((x) => x.i);
  t.diagnostic(`max parallelism ${parallelism}; start order ${order.join(',')}`);
  assert.equal(parallelism, 2, 'never more than 2 at once, and the 2 slots are used');
  assert.deepEqual(order, [...ids.keys()], 'jobs start in the order they were queued');
  const ci = await queueOf(run, config, 'queue', 'ci');
  assert.deepEqual({ running: ci.running, queued: ci.queued }, { running: [], queued: [] });
});

test('the slot of a SIGKILLed supervisor is reclaimed: the job is lost and the next waiter starts', async (t) => {
  const { base, root, run } = withRoot(t);
  const config = writeConfig(base, '[queues.ci]\nmax_concurrent = 2\n');
  const a = await runUntilRunning(run, ['--queue', 'ci', '--', 'sleep', '30'], { config });
  const b = await runUntilRunning(run, ['--queue', 'ci', '--', 'sleep', '30'], { config });
  const c = (await run(['run', '--queue', 'ci', '--snapshot-after', '0', '--', 'sleep', '30'], { config })).json;
  await waitingFor(root, c.job_id, 'queue ci');
  assert.equal(stateOf(root, c.job_id).state, 'queued');
  process.kill(a.supervisor_pid, 'SIGKILL');
  const started = await waitFor(async () => {
    const s = (await run(['status', c.job_id], { config })).json;
    return s.state === 'running' ? s : undefined;
  }, { what: 'the waiter to get the reclaimed slot' });
  assert.ok(started.pid > 0);
  assert.equal((await run(['status', a.job_id], { config })).json.state, 'lost');
  const ci = await queueOf(run, config, 'queue', 'ci');
  assert.deepEqual([...ci.running].sort(), [b.job_id, c.job_id].sort());
  assert.deepEqual(ci.queued, []);
});

test('kill of a waiting job: killed at once, never started, its place in line is gone', async (t) => {
  const { base, root, run } = withRoot(t);
  const config = writeConfig(base, '[queues.ci]\nmax_concurrent = 2\n');
  const a = await runUntilRunning(run, ['--queue', 'ci', '--', 'sleep', '30'], { config });
  await runUntilRunning(run, ['--queue', 'ci', '--', 'sleep', '30'], { config });
  const c = (await run(['run', '--queue', 'ci', '--snapshot-after', '0', '--', 'sleep', '30'], { config })).json;
  const d = (await run(['run', '--queue', 'ci', '--snapshot-after', '0', '--', 'sleep', '30'], { config })).json;
  await waitingFor(root, c.job_id, 'queue ci');
  await waitingFor(root, d.job_id, 'queue ci');
  assert.deepEqual((await queueOf(run, config, 'queue', 'ci')).queued, [c.job_id, d.job_id]);

  const killed = await run(['kill', c.job_id], { config });
  assert.equal(killed.json.state, 'killed');
  assert.deepEqual((await queueOf(run, config, 'queue', 'ci')).queued, [d.job_id]);
  await supervisorGone(root, c.job_id);
  const waiting = join(root, '.slots', 'queue-ci', 'waiting');
  assert.deepEqual(readdirSync(waiting).filter((n) => n.endsWith(c.job_id)), [], 'the ticket of the killed job is removed');
  const status = (await run(['status', c.job_id], { config })).json;
  assert.equal(status.state, 'killed');
  assert.equal(status.started_at, undefined);
  assert.equal(stateOf(root, c.job_id).pid, undefined, 'nothing was ever started');

  // The next in line gets the next free slot.
  await run(['kill', a.job_id], { config });
  await waitFor(async () => (await run(['status', d.job_id], { config })).json.state === 'running', { what: 'the next waiter to start' });
  assert.equal(stateOf(root, c.job_id).state, 'killed');
});

test('30 jobs under an executor limit and two queue limits: no limit is ever exceeded', async (t) => {
  const { base, root, run } = withRoot(t);
  const config = writeConfig(base, '[executors.local]\nmax_concurrent = 3\n\n[queues.ci]\nmax_concurrent = 2\n\n[queues.batch]\nmax_concurrent = 1\n');
  const groups = { ci: ['--queue', 'ci'], batch: ['--queue', 'batch'], none: [] };
  const plan = Array.from({ length: 30 }, (_, i) => Object.keys(groups)[i % 3]);
  const jobs = [];
  // Six callers at a time: start order is not what this test is about.
  for (let i = 0; i < plan.length; i += 6) {
    const batch = plan.slice(i, i + 6).map(async (group) => {
      // Each job outlasts a hand-over (a new supervisor's start) on a loaded machine, so the
      // executor's three slots are seen in use together.
      const { json } = await run(['run', ...groups[group], '--snapshot-after', '0', '--', 'sh', '-c', 'sleep 1'], { config });
      return { group, id: json.job_id };
    });
    jobs.push(...(await Promise.all(batch)));
  }
  const done = await waitAll(run, jobs.map((j) => j.id));
  done.forEach((d) => assert.equal(d.json.exit_code, 0));
  const states = (group) => jobs.filter((j) => group === undefined || j.group === group).map((j) => stateOf(root, j.id));
  const measured = { local: maxOverlap(states()), ci: maxOverlap(states('ci')), batch: maxOverlap(states('batch')) };
  t.diagnostic(`max parallelism ${JSON.stringify(measured)}`);
  assert.ok(measured.local <= 3 && measured.ci <= 2 && measured.batch <= 1, JSON.stringify(measured));
  assert.equal(measured.local, 3, 'the executor limit is used in full');
  for (const l of (await run(['queue'], { config })).json.limits) assert.deepEqual([l.running, l.queued], [[], []], l.name);
});

test('a job keeps the limits it was created under when a caller without that config serves it', async (t) => {
  const { base, root, run } = withRoot(t);
  const config = writeConfig(base, '[executors.local]\nmax_concurrent = 1\n');
  const a = await runUntilRunning(run, ['--', 'sleep', '30'], { config });
  // X runs without the config (no limits); its supervisor, ending, serves B's dependency line.
  const gate = join(base, 'x-may-end');
  const x = (await run(['run', '--snapshot-after', '0', '--', 'sh', '-c', `while [ ! -e '${gate}' ]; do sleep 0.05; done`])).json;
  const b = (await run(['run', '--snapshot-after', '0', '--after', x.job_id, '--', 'sleep', '30'], { config })).json;
  await waitingFor(root, b.job_id, `job ${x.job_id}`);
  writeFileSync(gate, '');
  const moved = await waitFor(() => {
    const st = stateOf(root, b.job_id);
    return st.state !== 'queued' || st.waiting_for !== `job ${x.job_id}` ? st : undefined;
  }, { what: 'B to leave the dependency line' });
  assert.deepEqual([moved.state, moved.waiting_for], ['queued', 'executor local'], 'the executor slot is still held by A');
  assert.equal((await run(['status', b.job_id])).json.state, 'queued', 'a call without the config starts nothing either');
  await run(['kill', a.job_id], { config });
  await waitFor(() => stateOf(root, b.job_id).state === 'running', { what: 'B to start once A is gone' });
  await run(['kill', b.job_id], { config });
});

test('queue lists every queue and executor limit with its running and waiting jobs', async (t) => {
  const { base, root, run } = withRoot(t);
  const config = writeConfig(base, '[executors.local]\nmax_concurrent = 5\n\n[queues.ci]\nmax_concurrent = 1\n\n[queues.idle]\nmax_concurrent = 3\n');
  const empty = (await run(['queue'], { config })).json;
  assertMatchesSchema('queue', empty);
  assert.deepEqual(empty.limits, [
    { name: 'ci', kind: 'queue', max_concurrent: 1, running: [], queued: [] },
    { name: 'idle', kind: 'queue', max_concurrent: 3, running: [], queued: [] },
    { name: 'local', kind: 'executor', max_concurrent: 5, running: [], queued: [] },
  ]);
  const a = await runUntilRunning(run, ['--queue', 'ci', '--', 'sleep', '30'], { config });
  const b = (await run(['run', '--queue', 'ci', '--snapshot-after', '0', '--', 'sleep', '30'], { config })).json;
  await waitingFor(root, b.job_id, 'queue ci');
  const busy = (await run(['queue'], { config })).json;
  assertMatchesSchema('queue', busy);
  const by = Object.fromEntries(busy.limits.map((l) => [`${l.kind} ${l.name}`, l]));
  assert.deepEqual([by['queue ci'].running, by['queue ci'].queued], [[a.job_id], [b.job_id]]);
  assert.deepEqual([by['queue idle'].running, by['queue idle'].queued], [[], []]);
  // A job joins its executor's line only once it holds its queue slot.
  assert.deepEqual([by['executor local'].running, by['executor local'].queued], [[a.job_id], []]);
  // A waiter left behind would start when the teardown frees its slot.
  await run(['kill', b.job_id], { config });
});

test('--label prefers, among the executors carrying the labels, one with a free slot', async (t) => {
  const { base, root, run } = withRoot(t);
  const config = writeConfig(base, [
    '[executors.first]\ntype = "ssh"\nhost = "first.invalid"\nlabels = ["gpu"]\nmax_concurrent = 1\n',
    '[executors.second]\ntype = "ssh"\nhost = "second.invalid"\nlabels = ["gpu"]\nmax_concurrent = 1\n',
  ].join('\n'));
  const executorOfNewJob = async () => {
    const { json } = await run(['create', '--label', 'gpu', '--', 'true'], { config });
    return JSON.parse(readFileSync(join(root, json.job_id, 'meta.json'), 'utf8')).executor;
  };
  assert.equal(await executorOfNewJob(), 'first', 'config order while both are free');
  // Occupy `first`'s only slot with a live holder (this test process stands in for a supervisor).
  const stat = readFileSync(`/proc/${process.pid}/stat`, 'utf8');
  const startTime = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  const holders = join(root, '.slots', 'executor-first', 'holders');
  mkdirSync(holders, { recursive: true });
  const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  writeFileSync(join(holders, 'aaaaaaaaaaaaaaaaaaaa'), JSON.stringify({ job_id: 'aaaaaaaaaaaaaaaaaaaa', pid: process.pid, start_time: startTime, boot_id: bootId }));
  assert.equal(await executorOfNewJob(), 'second');
});

test('a re-attached supervisor takes its slot back at once, replacing its dead entry', async (t) => {
  const { recordHolder, retakeSlots, releaseSlots, slotUsage } = await import('../../dist/lib/store/slot-tickets.js');
  const { base } = withRoot(t);
  const root = join(base, 'jobs');
  mkdirSync(root, { recursive: true });
  const stat = readFileSync(`/proc/${process.pid}/stat`, 'utf8');
  const startTime = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  const limit = { kind: 'executor', name: 'remote1', max: 1 };
  const claimant = (jobId, live = true) => ({ jobId, pid: process.pid, startTime: live ? startTime : '1' });
  recordHolder(root, limit, claimant('aaaaaaaaaaaaaaaaaaaa', false));
  recordHolder(root, limit, claimant('bbbbbbbbbbbbbbbbbbbb'));
  assert.deepEqual(slotUsage(root, limit).running, ['bbbbbbbbbbbbbbbbbbbb'], 'the entry of a supervisor that has since died does not count');
  await retakeSlots(root, [limit], claimant('aaaaaaaaaaaaaaaaaaaa'));
  assert.deepEqual(slotUsage(root, limit).running.sort(), ['aaaaaaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbbbbbb'], 'resumed: taken at once, even over the limit');
  releaseSlots(root, [limit], 'aaaaaaaaaaaaaaaaaaaa');
  releaseSlots(root, [limit], 'aaaaaaaaaaaaaaaaaaaa');
  assert.deepEqual(slotUsage(root, limit).running, ['bbbbbbbbbbbbbbbbbbbb'], 'release is idempotent');
});

test('a job gives back its slot once its end is recorded, before its job.finished is delivered', async (t) => {
  const { base, root, run } = withRoot(t);
  const config = writeConfig(base, '[queues.ci]\nmax_concurrent = 1\n');
  // A's notification takes 3 s and then stamps the time its delivery ended.
  const delivered = join(base, 'delivered-at');
  const a = (await run(['run', '--queue', 'ci', '--snapshot-after', '0', '--notify-command', `sleep 3; date +%s%3N > ${delivered}`, '--', 'sh', '-c', 'sleep 0.3'], { config })).json;
  const b = (await run(['run', '--queue', 'ci', '--snapshot-after', '0', '--', 'true'], { config })).json;
  await waitAll(run, [a.job_id, b.job_id]);
  const [sa, sb] = [stateOf(root, a.job_id), stateOf(root, b.job_id)];
  const gap = ms(sb.started_at) - ms(sa.finished_at);
  t.diagnostic(`B started ${gap} ms after A finished`);
  assert.ok(gap >= 0, 'B waited for A');
  await supervisorGone(root, a.job_id);
  const deliveryEnd = Number(readFileSync(delivered, 'utf8'));
  assert.ok(ms(sb.started_at) < deliveryEnd, `B started ${ms(sb.started_at) - deliveryEnd} ms after A's job.finished was delivered; it must not wait for it`);
});

test('a call made without the limit\'s config (another --config, or none) never serves its line unlimited', async (t) => {
  const { base, root, run } = withRoot(t);
  const config = writeConfig(base, '[queues.one]\nmax_concurrent = 1\n');
  const ids = [];
  for (let i = 0; i < 3; i++) ids.push((await run(['run', '--queue', 'one', '--snapshot-after', '0', '--', 'sleep', '300'], { config })).json.job_id);
  await waitFor(() => stateOf(root, ids[0]).state === 'running', { what: 'the first job to run' });
  // Every call runs a dispatcher pass; these know nothing of queue `one`.
  await run(['list']);
  await run(['wait', ids[2], '--timeout', '100ms']);
  assert.deepEqual(ids.map((id) => stateOf(root, id).state), ['running', 'queued', 'queued'], 'the two later jobs still wait their turn');
  const killed = (await run(['kill', ...ids, '--grace', '2s'], { config })).json;
  assert.equal(killed.count, 3);
});
