// Cloud instance records and the decisions made on them (store/cloud-instances.ts,
// executors/cloud/instances.ts), with a command provider whose scripts are real shell scripts
// that log every call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readInstances, removeInstance, writeInstance, withInstances, ownerLive, selfOwner } from '../../../dist/lib/store/cloud-instances.js';
import { releaseInstance } from '../../../dist/lib/executors/cloud/instances.js';
import { repairExecutor } from '../../../dist/lib/executors/cloud/destroy.js';
import { bootId, processStartTime } from '../../../dist/lib/util/proc.js';
import { spawn } from 'node:child_process';
import { waitFor, processAlive } from '../../helpers/jobctl.mjs';
import { deadProcess, isoAgo, makeJob, putState, tempRoot } from '../../helpers/unit-store.mjs';

function fixture(t) {
  const { root, cleanup } = tempRoot();
  t.after(cleanup);
  const calls = join(root, 'calls.log');
  const destroy = join(root, 'destroy.sh');
  writeFileSync(destroy, `#!/bin/sh\nstdin=$(cat)\nif [ -e "${root}/fail" ]; then echo "refused" >&2; exit 1; fi\necho "$JOBCTL_INSTANCE_NAME|\${JOBCTL_INSTANCE_ID:-}|$stdin" >> "${calls}"\n`);
  chmodSync(destroy, 0o755);
  const def = { type: 'cloud', provider: 'command', provision: 'false', destroy, labels: [], env: {}, idle_timeout_ms: 60_000, boot_timeout_ms: 5000, instance_jobs: 1, per_job: false };
  const calls_ = () => (existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n') : []);
  return { root, def, calls: calls_ };
}

const record = (def, fields) => ({ executor: 'burst', state: 'ready', created_at: isoAgo(10_000), jobs: [], def, ...fields });

test('records: written 0600 in a 0700 directory, read back oldest first, removed; names are checked', async (t) => {
  const { root, def } = fixture(t);
  writeInstance(root, record(def, { name: 'jobctl-bbbbbbbbbbbb', created_at: isoAgo(1000) }));
  writeInstance(root, record(def, { name: 'jobctl-aaaaaaaaaaaa', created_at: isoAgo(2000) }));
  assert.deepEqual(readInstances(root, 'burst').map((r) => r.name), ['jobctl-aaaaaaaaaaaa', 'jobctl-bbbbbbbbbbbb']);
  assert.equal(statSync(join(root, '.cloud', 'burst', 'jobctl-aaaaaaaaaaaa.json')).mode & 0o777, 0o600);
  assert.equal(statSync(join(root, '.cloud', 'burst')).mode & 0o777, 0o700);
  removeInstance(root, 'burst', 'jobctl-aaaaaaaaaaaa');
  assert.deepEqual(readInstances(root, 'burst').map((r) => r.name), ['jobctl-bbbbbbbbbbbb']);
  assert.throws(() => writeInstance(root, record(def, { name: '../escape' })), /invalid instance name/);
  assert.deepEqual(readInstances(root, '../x'), [], 'an executor name that is no name reads nothing');
  await assert.rejects(withInstances(root, '../x', () => 1), /invalid executor name/);
  const seen = await withInstances(root, 'burst', (recs) => recs.length);
  assert.equal(seen, 1);
});

test('repair: a provisioning record whose owner died is destroyed by name (no id), then removed', async (t) => {
  const { root, def, calls } = fixture(t);
  const dead = await deadProcess();
  writeInstance(root, record(def, { name: 'jobctl-orphan000001', state: 'provisioning', owner: { pid: dead.pid, start_time: dead.startTime, boot_id: bootId() }, jobs: ['nojob0000000000000'] }));
  writeInstance(root, record(def, { name: 'jobctl-mine00000001', state: 'provisioning', owner: selfOwner() }));
  assert.equal(ownerLive(selfOwner()), true);
  const r = await repairExecutor(root, 'burst', { idle: false });
  assert.deepEqual(r.destroyed, ['jobctl-orphan000001']);
  const [line] = calls();
  const [name, id, stdin] = line.split('|');
  assert.equal(name, 'jobctl-orphan000001');
  assert.equal(id, '', 'no id: the destroy command is told the name only');
  assert.equal(JSON.parse(stdin).name, 'jobctl-orphan000001');
  assert.deepEqual(readInstances(root, 'burst').map((x) => x.name), ['jobctl-mine00000001'], 'a live owner\'s record is left alone');
});

test('destroy failure: recorded with a backoff, not retried before its time, retried after', async (t) => {
  const { root, def, calls } = fixture(t);
  writeFileSync(join(root, 'fail'), '');
  writeInstance(root, record({ ...def, idle_timeout_ms: 0 }, { name: 'jobctl-idle00000001', instance_id: 'i-9', idle_since: isoAgo(5000) }));
  const first = await repairExecutor(root, 'burst', { idle: true });
  assert.deepEqual(first.failed, ['jobctl-idle00000001']);
  const [rec] = readInstances(root, 'burst');
  assert.equal(rec.state, 'destroying');
  assert.equal(rec.destroy_attempts, 1);
  assert.match(rec.destroy_error, /refused/);
  assert.ok(Date.parse(rec.next_destroy_at) > Date.now());
  assert.equal(rec.owner, undefined);
  const early = await repairExecutor(root, 'burst', { idle: true });
  assert.deepEqual(early.destroyed.concat(early.failed), [], 'not before next_destroy_at');
  assert.ok(early.next >= Date.parse(rec.next_destroy_at) - 1);
  // Its time comes (moved into the past), and the provider accepts now.
  writeInstance(root, { ...rec, next_destroy_at: isoAgo(1) });
  unlinkSync(join(root, 'fail'));
  const later = await repairExecutor(root, 'burst', { idle: true });
  assert.deepEqual(later.destroyed, ['jobctl-idle00000001']);
  assert.equal(calls()[0].split('|')[1], 'i-9');
  assert.deepEqual(readInstances(root, 'burst'), []);
  assert.equal(later.next, undefined, 'nothing left to watch');
});

test('idle: ended jobs leave the list; an instance is destroyed only once idle past idle_timeout', async (t) => {
  const { root, def } = fixture(t);
  const running = makeJob(root);
  putState(running.dir, { ...JSON.parse(readFileSync(join(running.dir, 'state.json'), 'utf8')), state: 'running', started_at: isoAgo(1000) });
  const ended = makeJob(root);
  putState(ended.dir, { ...JSON.parse(readFileSync(join(ended.dir, 'state.json'), 'utf8')), state: 'exited', exit_code: 0, finished_at: isoAgo(10) });
  writeInstance(root, record({ ...def, instance_jobs: 2 }, { name: 'jobctl-busy00000001', jobs: [running.id, ended.id] }));
  const r = await repairExecutor(root, 'burst', { idle: true });
  assert.deepEqual(r.destroyed, []);
  assert.deepEqual(readInstances(root, 'burst')[0].jobs, [running.id], 'the ended job no longer counts');
  // The running job ends and gives the instance back: idle now, kept for idle_timeout (60 s).
  putState(running.dir, { ...JSON.parse(readFileSync(join(running.dir, 'state.json'), 'utf8')), state: 'exited', exit_code: 0, finished_at: isoAgo(1) });
  await releaseInstance(root, 'burst', running.id);
  const [idle] = readInstances(root, 'burst');
  assert.deepEqual(idle.jobs, []);
  assert.ok(idle.idle_since !== undefined);
  const kept = await repairExecutor(root, 'burst', { idle: true });
  assert.deepEqual(kept.destroyed, []);
  assert.ok(Math.abs(kept.next - (Date.parse(idle.idle_since) + 60_000)) < 5, 'the next look is due at the idle deadline');
  const down = await repairExecutor(root, 'burst', { idle: true, all: true });
  assert.deepEqual(down.destroyed, ['jobctl-busy00000001']);
});

test('ownership: a dead owner\'s record stays owned while its command group lives before the boot deadline; after it the group is killed and the instance destroyed by name', async (t) => {
  const { root, def, calls } = fixture(t);
  const dead = await deadProcess();
  const cli = spawn('sh', ['-c', 'sleep 60'], { detached: true, stdio: 'ignore' });
  t.after(() => { try { process.kill(-cli.pid, 'SIGKILL'); } catch { /* gone */ } });
  const group = { pgid: cli.pid, start_time: await waitFor(() => processStartTime(cli.pid)) };
  const owner = { pid: dead.pid, start_time: dead.startTime, boot_id: bootId(), group };
  writeInstance(root, record({ ...def, boot_timeout_ms: 60_000 }, { name: 'jobctl-late00000001', state: 'provisioning', created_at: isoAgo(1000), owner }));
  const early = await repairExecutor(root, 'burst', { idle: true });
  assert.deepEqual(early.destroyed, [], 'a command that may still make the instance is left to finish');
  assert.equal(calls().length, 0);
  assert.ok(early.next <= Date.now() + 60_000);
  // Past its boot deadline: the group is killed, the instance destroyed by name, the record removed.
  writeInstance(root, { ...readInstances(root, 'burst')[0], created_at: isoAgo(120_000) });
  const late = await repairExecutor(root, 'burst', { idle: true });
  assert.deepEqual(late.destroyed, ['jobctl-late00000001']);
  await waitFor(() => !processAlive(cli.pid), { what: 'the command group to be killed' });
  assert.equal(calls()[0].split('|')[1], '', 'by name');
  assert.deepEqual(readInstances(root, 'burst'), []);
});

test('name only: destroyed by name before its boot deadline, the record is kept and destroyed by name once more after it', async (t) => {
  const { root, def, calls } = fixture(t);
  const dead = await deadProcess();
  writeInstance(root, record({ ...def, boot_timeout_ms: 60_000 }, { name: 'jobctl-name00000001', state: 'provisioning', created_at: isoAgo(1000), owner: { pid: dead.pid, start_time: dead.startTime, boot_id: bootId() } }));
  const first = await repairExecutor(root, 'burst', { idle: true });
  assert.deepEqual(first.destroyed, ['jobctl-name00000001']);
  const [kept] = readInstances(root, 'burst');
  assert.equal(kept.state, 'destroying');
  assert.equal(kept.recheck, true);
  assert.equal(Date.parse(kept.next_destroy_at), Date.parse(kept.created_at) + 60_000);
  assert.ok(Math.abs(first.next - Date.parse(kept.next_destroy_at)) < 5, 'the next look is due at the boot deadline');
  writeInstance(root, { ...kept, next_destroy_at: isoAgo(1), created_at: isoAgo(120_000) });
  await repairExecutor(root, 'burst', { idle: true });
  assert.equal(calls().length, 2, 'destroyed by name twice');
  assert.deepEqual(readInstances(root, 'burst'), []);
});

test('per_job: an instance another look already trimmed is destroyed when its job gives it back by name, or by the look that empties it', async (t) => {
  const { root, def, calls } = fixture(t);
  const ended = makeJob(root);
  putState(ended.dir, { ...JSON.parse(readFileSync(join(ended.dir, 'state.json'), 'utf8')), state: 'exited', exit_code: 0, finished_at: isoAgo(10) });
  writeInstance(root, record({ ...def, per_job: true }, { name: 'jobctl-perjob000001', instance_id: 'i-1', jobs: [] }));
  await releaseInstance(root, 'burst', ended.id, 'jobctl-perjob000001');
  assert.equal(calls()[0].split('|')[1], 'i-1');
  assert.deepEqual(readInstances(root, 'burst'), []);
  // A per_job instance whose list a repair empties is claimed at once, whatever idle_timeout says.
  writeInstance(root, record({ ...def, per_job: true, idle_timeout_ms: 600_000 }, { name: 'jobctl-perjob000002', instance_id: 'i-2', jobs: [ended.id] }));
  const r = await repairExecutor(root, 'burst', { idle: false });
  assert.deepEqual(r.destroyed, ['jobctl-perjob000002']);
});
