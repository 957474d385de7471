// Cloud executors with provider = "command": the provision and destroy scripts take hosts from
// and give them back to a pool of network-namespace hosts running sshd (test/helpers/cloud-pool.mjs),
// so jobs run over real SSH and a leaked instance is a host still taken.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withRoot, waitFor, processAlive, allCmdlines, assertMatchesSchema } from '../helpers/jobctl.mjs';
import { startCloudPool } from '../helpers/cloud-pool.mjs';

let pool;
before(async (t) => {
  pool = await startCloudPool(t, 2);
});

function setup(t, extra = '') {
  if (pool === undefined) {
    t.skip('netns or ssh missing (see the before hook)');
    return undefined;
  }
  // Registered first, so it runs before the root is removed: whatever a test left is taken
  // down, and the next test starts with a free pool.
  let down = async () => undefined;
  t.after(() => down());
  const ctx = withRoot(t);
  const config = join(ctx.base, 'config.toml');
  writeFileSync(config, `[executors.burst]
type = "cloud"
provider = "command"
provision = "${pool.provision}"
destroy = "${pool.destroy}"
labels = ["gpu"]
boot_timeout = "30s"
${extra}
`);
  const run = (args, opts = {}) => ctx.run(args, { config, ...opts });
  down = async () => {
    for (const f of ['fail-provision', 'hang-after-create', 'hang-before-create', 'destroy-failures']) pool.clear(f);
    // A test that failed midway leaves no provision script running and no host taken.
    pool.killHung();
    await run(['executors', 'down', 'burst']).catch(() => undefined);
    for (const name of pool.taken()) pool.release(name);
  };
  return { ...ctx, config, run };
}

const instancesOf = async (run) => (await run(['executors'])).json.executors.find((e) => e.name === 'burst').instances;

test('cloud command: the first job provisions an instance, the next reuses it while it is idle', async (t) => {
  const s = setup(t, 'idle_timeout = "10m"');
  if (!s) return;
  const destroyedBefore = pool.destroyed().length;
  const events = join(s.base, 'events.ndjson');
  const first = (await s.run(['run', '--label', 'gpu', '--notify-file', events, '--wait', '--', 'sh', '-c', 'printf "on %s\\n" "$(id -un)"; exit 4'])).json;
  assert.equal(first.state, 'exited');
  assert.equal(first.exit_code, 4);
  assert.equal(readFileSync(first.stdout_log_path, 'utf8'), `on ${pool.hosts[0].user}\n`);
  const status = (await s.run(['status', first.job_id])).json;
  assert.equal(status.executor, 'burst');
  const instance = status.remote.instance;
  assert.match(instance, /^jobctl-[0-9a-z]{12}$/);
  assert.match(status.remote.instance_id, /^h[01]$/);
  assert.deepEqual(pool.taken(), [instance]);
  const listed = await instancesOf(s.run);
  assert.equal(listed.length, 1);
  assert.equal(listed[0].name, instance);
  assert.equal(listed[0].state, 'ready');
  assert.equal(listed[0].hourly_cost, 0.36);
  assert.ok(Number.isInteger(listed[0].age_ms));
  assert.ok(Number.isInteger(listed[0].idle_ms), 'idle since the job ended');
  const finished = await waitFor(() => {
    try { return JSON.parse(readFileSync(events, 'utf8').trim().split('\n')[0]); } catch { return undefined; }
  }, { what: 'job.finished' });
  assertMatchesSchema('job.finished', finished);
  assert.equal(finished.instance, instance);
  assert.equal(typeof finished.cost, 'number');
  assert.ok(finished.cost >= 0 && finished.cost <= 0.36 * (finished.duration_ms / 3_600_000) + 1e-6);

  const second = (await s.run(['run', '--executor', 'burst', '--wait', '--', 'echo', 'again'])).json;
  assert.equal(second.state, 'exited');
  assert.equal(readFileSync(second.stdout_log_path, 'utf8'), 'again\n');
  assert.equal((await s.run(['status', second.job_id])).json.remote.instance, instance, 'the idle instance is reused');
  assert.deepEqual(pool.taken(), [instance]);
  assert.equal(pool.destroyed().length, destroyedBefore);
  const down = (await s.run(['executors', 'down', 'burst'])).json;
  assert.deepEqual(down.destroyed, [instance]);
  assert.deepEqual(pool.taken(), []);
});

test('cloud command: an instance idle for idle_timeout is destroyed by the reaper, with nobody calling jobctl', async (t) => {
  const s = setup(t, 'idle_timeout = "2s"');
  if (!s) return;
  const destroyedBefore = pool.destroyed().length;
  const job = (await s.run(['run', '--executor', 'burst', '--wait', '--', 'true'])).json;
  assert.equal(job.state, 'exited');
  const instance = (await s.run(['status', job.job_id])).json.remote.instance;
  await waitFor(() => pool.destroyed().length > destroyedBefore, { timeoutMs: 60_000, what: 'the idle instance to be destroyed' });
  assert.deepEqual(pool.destroyed().slice(destroyedBefore).map((l) => l.split(' ')[0]), [instance]);
  assert.equal(JSON.parse(readFileSync(join(pool.dir, 'destroy-stdin.last'), 'utf8')).name, instance);
  assert.deepEqual(pool.taken(), []);
  assert.deepEqual(await instancesOf(s.run), []);
  // Nothing left to watch: the reaper exits by itself.
  await waitFor(() => !allCmdlines().some((c) => c.includes('--reaper') && c.includes(s.root)), { what: 'the reaper to exit' });
});

test('cloud command: per_job makes one fresh instance per job and destroys it when the job ends', async (t) => {
  const s = setup(t, 'per_job = true');
  if (!s) return;
  const [a, b] = await Promise.all([1, 2].map(async (n) => (await s.run(['run', '--executor', 'burst', '--wait', '--', 'sh', '-c', `echo job${n}; sleep 1`])).json));
  assert.equal(a.state, 'exited');
  assert.equal(b.state, 'exited');
  const [ia, ib] = await Promise.all([a, b].map(async (j) => (await s.run(['status', j.job_id])).json.remote.instance));
  assert.notEqual(ia, ib);
  await waitFor(() => pool.taken().length === 0, { what: 'both instances destroyed' });
  assert.deepEqual(pool.destroyed().slice(-2).map((l) => l.split(' ')[0]).sort(), [ia, ib].sort());
  assert.deepEqual(await instancesOf(s.run), []);
});

test('cloud command: per_job with max_instances = 1: the second job gets a fresh instance once the first one\'s is destroyed', async (t) => {
  const s = setup(t, 'per_job = true\nmax_instances = 1');
  if (!s) return;
  const a = (await s.run(['run', '--executor', 'burst', '--snapshot-after', '0', '--', 'sh', '-c', 'sleep 1; echo a'])).json;
  const b = (await s.run(['run', '--executor', 'burst', '--snapshot-after', '0', '--', 'echo', 'b'])).json;
  // Whoever trims the first job from its instance's list destroys that instance at once: the
  // second job never waits for an idle_timeout (5 min by default) nor fails for want of room.
  const done = (await s.run(['wait', b.job_id, '--timeout', '60s'])).json;
  assert.equal(done.state, 'exited', JSON.stringify(done));
  const [ia, ib] = await Promise.all([a, b].map(async (j) => (await s.run(['status', j.job_id])).json));
  assert.equal(ia.state, 'exited');
  assert.notEqual(ia.remote.instance, ib.remote.instance, 'one fresh instance per job');
  await waitFor(() => pool.taken().length === 0, { what: 'the second instance to be destroyed' });
  await waitFor(() => pool.destroyed().some((l) => l.startsWith(`${ia.remote.instance} `)), { what: 'the first instance\'s destroy to be logged' });
  await waitFor(async () => (await instancesOf(s.run)).length === 0, { what: 'no record left' });
});

test('cloud command: executors down reports busy and failed instances as remaining, retrying a failed destroy at once', async (t) => {
  const s = setup(t, 'idle_timeout = "10m"');
  if (!s) return;
  const busy = (await s.run(['run', '--executor', 'burst', '--snapshot-after', '0', '--', 'sleep', '600'])).json;
  const busyName = await waitFor(async () => (await s.run(['status', busy.job_id])).json.remote?.instance, { timeoutMs: 60_000, what: 'the busy job to get its instance' });
  const idle = (await s.run(['run', '--executor', 'burst', '--wait', '--', 'true'])).json;
  const idleName = (await s.run(['status', idle.job_id])).json.remote.instance;
  assert.notEqual(idleName, busyName);
  pool.set('destroy-failures', '1');
  const first = (await s.run(['executors', 'down', 'burst'])).json;
  assert.deepEqual(first.destroyed, []);
  assert.deepEqual(first.failed.map((f) => f.name), [idleName]);
  assert.deepEqual(first.busy, [{ name: busyName, jobs: [busy.job_id] }]);
  assert.deepEqual(first.remaining.map((r) => r.name).sort(), [idleName, busyName].sort(), 'every record left is reported');
  // The failed destroy is retried by down without waiting for its backoff (or, if its 1 s backoff
  // ran out first, by the reaper): either way it goes, and the busy instance stays.
  await s.run(['executors', 'down', 'burst']);
  await waitFor(() => !pool.taken().includes(idleName), { what: 'the failed destroy to be retried' });
  const second = (await s.run(['executors', 'down', 'burst'])).json;
  assert.deepEqual(second.remaining.map((r) => r.name), [busyName]);
  await s.run(['kill', busy.job_id]);
  await s.run(['wait', busy.job_id, '--timeout', '60s']);
  const third = (await s.run(['executors', 'down', 'burst'])).json;
  assert.deepEqual(third.remaining, []);
  assert.deepEqual(pool.taken(), []);
});

test('cloud command: a reaper SIGKILLed is started again by the next executors, which then destroys the idle instance on time', async (t) => {
  const s = setup(t, 'idle_timeout = "4s"');
  if (!s) return;
  const job = (await s.run(['run', '--executor', 'burst', '--wait', '--', 'true'])).json;
  const instance = (await s.run(['status', job.job_id])).json.remote.instance;
  const reaperFile = join(s.root, '.cloud', '.reaper');
  const first = await waitFor(() => { try { return JSON.parse(readFileSync(reaperFile, 'utf8')).pid; } catch { return undefined; } }, { what: 'the reaper to run' });
  process.kill(first, 'SIGKILL');
  await waitFor(() => !processAlive(first), { what: 'the reaper to die' });
  assert.deepEqual(pool.taken(), [instance]);
  await instancesOf(s.run);
  const second = await waitFor(() => { try { const pid = JSON.parse(readFileSync(reaperFile, 'utf8')).pid; return pid !== first && processAlive(pid) ? pid : undefined; } catch { return undefined; } }, { what: 'a new reaper' });
  assert.ok(second > 0);
  await waitFor(() => pool.taken().length === 0, { timeoutMs: 30_000, what: 'the idle instance to be destroyed by the new reaper' });
  await waitFor(() => pool.destroyed().some((l) => l.startsWith(`${instance} `)), { what: 'the destroy to be logged' });
});

test('cloud command: max_instances makes the next job wait queued, then run on the freed instance', async (t) => {
  const s = setup(t, 'max_instances = 1\nidle_timeout = "10m"');
  if (!s) return;
  const a = (await s.run(['run', '--executor', 'burst', '--snapshot-after', '0', '--', 'sh', '-c', 'sleep 2; echo a'])).json;
  const b = (await s.run(['run', '--executor', 'burst', '--snapshot-after', '0', '--', 'echo', 'b'])).json;
  const queued = (await s.run(['status', b.job_id])).json;
  assert.equal(queued.state, 'queued', 'the second job waits for the one instance');
  const done = (await s.run(['wait', b.job_id, '--timeout', '60s'])).json;
  assert.equal(done.state, 'exited');
  const ia = (await s.run(['status', a.job_id])).json;
  assert.equal(ia.state, 'exited');
  assert.equal((await s.run(['status', b.job_id])).json.remote.instance, ia.remote.instance);
  assert.equal(pool.taken().length, 1, 'one instance for both');
  const down = (await s.run(['executors', 'down', 'burst'])).json;
  assert.deepEqual(down.destroyed, [ia.remote.instance]);
  assert.deepEqual(pool.taken(), []);
});

test('cloud command: a failed provision fails the job with executor_unavailable and the provider message', async (t) => {
  const s = setup(t);
  if (!s) return;
  pool.set('fail-provision', 'quota exceeded: 0 servers left');
  const job = (await s.run(['run', '--executor', 'burst', '--wait', '--', 'true'])).json;
  assert.equal(job.state, 'failed');
  const status = (await s.run(['status', job.job_id])).json;
  assert.equal(status.error.code, 'executor_unavailable');
  assert.match(status.error.message, /quota exceeded: 0 servers left/);
  assert.deepEqual(pool.taken(), []);
  assert.deepEqual(await instancesOf(s.run), []);
});

test('cloud command: a destroy that fails twice is retried, reported, and ends with nothing leaked', async (t) => {
  const s = setup(t, 'per_job = true');
  if (!s) return;
  pool.set('destroy-failures', '2');
  const job = (await s.run(['run', '--executor', 'burst', '--wait', '--', 'true'])).json;
  assert.equal(job.state, 'exited');
  const reported = await waitFor(async () => (await instancesOf(s.run)).find((i) => i.destroy_error !== undefined), { what: 'the failed destroy to be reported' });
  assert.match(reported.destroy_error, /API timeout while deleting/);
  assert.ok(reported.destroy_attempts >= 1);
  await waitFor(() => pool.taken().length === 0, { timeoutMs: 30_000, what: 'the retried destroy' });
  await waitFor(async () => (await instancesOf(s.run)).length === 0, { what: 'the record to go' });
  assert.equal(readFileSync(join(pool.dir, 'destroy-failures'), 'utf8').trim(), '0');
});

test('cloud command: a supervisor SIGKILLed while its provision command runs: the command\'s group is killed and the instance destroyed by name', async (t) => {
  const s = setup(t);
  if (!s) return;
  writeFileSync(s.config, readFileSync(s.config, 'utf8').replace('boot_timeout = "30s"', 'boot_timeout = "6s"'));
  const destroyedBefore = pool.destroyed().length;
  pool.set('hang-after-create');
  const job = (await s.run(['run', '--executor', 'burst', '--snapshot-after', '0', '--', 'true'])).json;
  const name = await waitFor(() => pool.taken().find((n) => n.startsWith('jobctl-')), { what: 'the provider to create the instance' });
  const before = JSON.parse(readFileSync(join(s.root, job.job_id, 'state.json'), 'utf8'));
  const listed = await instancesOf(s.run);
  assert.equal(listed[0].name, name, 'recorded before the provider was asked');
  assert.equal(listed[0].state, 'provisioning');
  assert.equal(listed[0].host, undefined);
  const [hung] = await waitFor(() => (pool.hung().length > 0 ? pool.hung() : undefined), { what: 'the hung provision' });
  process.kill(before.supervisor_pid, 'SIGKILL');
  await waitFor(() => !processAlive(before.supervisor_pid), { what: 'the supervisor to die' });
  // The provision command outlives its supervisor (as a cloud CLI would): its record stays owned
  // while it may still make the instance, so nobody destroys "nothing" by name and forgets it.
  pool.clear('hang-after-create');
  const ended = (await s.run(['wait', job.job_id, '--timeout', '60s'])).json;
  assert.equal(ended.state, 'failed');
  assert.ok(processAlive(hung) || pool.taken().length === 0, 'the command is never cut short before the instance is destroyed');
  // Past the boot deadline a look (the reaper, started when the record was made) kills the
  // command's whole group and destroys the instance by name.
  await waitFor(() => pool.taken().length === 0, { timeoutMs: 60_000, what: 'the orphan to be destroyed' });
  await waitFor(() => !processAlive(hung), { what: 'the provision command to be killed' });
  await waitFor(() => pool.destroyed().slice(destroyedBefore).includes(`${name} by-name`), { what: 'the destroy by name to be logged' });
  await waitFor(async () => (await instancesOf(s.run)).length === 0, { what: 'the record to go' });
});

test('cloud command: a provision command that creates after its supervisor was SIGKILLed is not forgotten: destroyed by name once it is done', async (t) => {
  const s = setup(t);
  if (!s) return;
  writeFileSync(s.config, readFileSync(s.config, 'utf8').replace('boot_timeout = "30s"', 'boot_timeout = "8s"'));
  pool.set('hang-before-create');
  const job = (await s.run(['run', '--executor', 'burst', '--snapshot-after', '0', '--', 'true'])).json;
  const [hung] = await waitFor(() => (pool.hung().length > 0 ? pool.hung() : undefined), { what: 'the provision command to start' });
  const [rec] = await instancesOf(s.run);
  assert.equal(rec.state, 'provisioning');
  const state = JSON.parse(readFileSync(join(s.root, job.job_id, 'state.json'), 'utf8'));
  process.kill(state.supervisor_pid, 'SIGKILL');
  await waitFor(() => !processAlive(state.supervisor_pid), { what: 'the supervisor to die' });
  // A new supervisor finds the job never reached an instance; the record stays while the
  // command that may still make the instance lives.
  const ended = (await s.run(['wait', job.job_id, '--timeout', '60s'])).json;
  assert.equal(ended.state, 'failed');
  assert.ok(processAlive(hung), 'the provision command was left to finish');
  assert.deepEqual((await instancesOf(s.run)).map((i) => i.name), [rec.name], 'its record is kept while the command lives');
  // The cloud CLI finishes: the instance exists now, under the name jobctl chose.
  pool.clear('hang-before-create');
  await waitFor(() => pool.taken().includes(rec.name), { what: 'the late create' });
  await waitFor(() => pool.taken().length === 0, { timeoutMs: 60_000, what: 'the late instance to be destroyed by name' });
  // destroy.sh logs its call after it gave the host back.
  await waitFor(() => pool.destroyed().includes(`${rec.name} by-name`), { what: 'the destroy by name to be logged' });
  await waitFor(async () => (await instancesOf(s.run)).length === 0, { timeoutMs: 30_000, what: 'the record to go' });
});

test('cloud command: a job on an instance survives its supervisor SIGKILLed and a cut link, byte for byte, on the same instance', async (t) => {
  const s = setup(t, 'idle_timeout = "10m"\nconnect_timeout = 3');
  if (!s) return;
  const lines = 120;
  const script = `i=0; while [ $i -lt ${lines} ]; do i=$((i+1)); echo "line $i $(printf '%060d' $i)"; sleep 0.05; done; printf end`;
  const job = (await s.run(['run', '--executor', 'burst', '--snapshot-after', '0', '--', 'sh', '-c', script])).json;
  const log = join(s.root, job.job_id, 'stdout.log');
  // The log exists once the supervisor has the job in hand.
  const copied = () => { try { return readFileSync(log, 'utf8'); } catch { return ''; } };
  await waitFor(() => copied().includes('line 5 '), { timeoutMs: 60_000, what: 'the first lines to arrive' });
  const running = (await s.run(['status', job.job_id])).json;
  const host = pool.hosts[Number(running.remote.instance_id.slice(1))];
  process.kill(running.supervisor_pid, 'SIGKILL');
  await waitFor(() => !processAlive(running.supervisor_pid), { what: 'the supervisor to die' });
  await host.netns.cut();
  // status re-attaches a supervisor; the job stays running while its instance is out of reach.
  await waitFor(async () => {
    const st = (await s.run(['status', job.job_id])).json;
    assert.equal(st.state, 'running', 'neither a dead supervisor nor a cut link ends the job');
    return st.remote_unreachable;
  }, { timeoutMs: 60_000, intervalMs: 250, what: 'remote_unreachable to be reported' });
  await host.netns.heal();
  const done = (await s.run(['wait', job.job_id, '--timeout', '120s'])).json;
  assert.equal(done.state, 'exited', JSON.stringify(done));
  const expected = Array.from({ length: lines }, (_, k) => `line ${k + 1} ${String(k + 1).padStart(60, '0')}\n`).join('') + 'end';
  assert.equal(readFileSync(log, 'utf8'), expected, 'no byte lost, none duplicated');
  const after = (await s.run(['status', job.job_id])).json;
  assert.equal(after.remote.instance, running.remote.instance);
  assert.ok(JSON.parse(readFileSync(join(s.root, job.job_id, 'state.json'), 'utf8')).reattach_count >= 1, 'a new supervisor took over');
  assert.deepEqual(pool.taken(), [running.remote.instance], 'the instance is kept for the next job, not leaked: executors down ends it');
});
