// reconcile (job/reconcile.ts) against real processes: a job whose supervisor is gone is
// recorded lost (or re-attached, or retried); a job backed by a live supervisor is left alone.
// ReconcileActions is a port: the tests pass a recording implementation and never spawn a
// supervisor.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_REATTACHES, lostReason, reconcile } from '../../../dist/lib/job/reconcile.js';
import { jobFiles, readState } from '../../../dist/lib/store/jobs.js';
import { bootId } from '../../../dist/lib/util/proc.js';
import { deadProcess, isoAgo, makeJob, putState, selfProcess, tempRoot } from '../../helpers/unit-store.mjs';

const { root, cleanup } = tempRoot('jobctl-reconcile-');
after(cleanup);

const EXITED = 'supervisor exited without recording an outcome';
const DELIVERER = { deliverer_pid: 4500, deliverer_start_time: '880050' };
const REMOTE = { host: 'build-1', remote_dir: '/home/ci/.jobctl/remote/abc', remote_pid: 7312 };

/** A ReconcileActions that records its calls; startSupervisor answers `started`. */
function recorder(started) {
  const calls = { startSupervisor: [], deliverFinished: [] };
  return {
    calls,
    actions: {
      startSupervisor(dir) {
        calls.startSupervisor.push(dir);
        return started;
      },
      deliverFinished(dir) {
        calls.deliverFinished.push(dir);
        return DELIVERER;
      },
    },
  };
}

/** A job in `state`, as reconcile is given it (read back from its directory). */
function jobIn(state, meta = {}) {
  const { dir } = makeJob(root, meta);
  return { dir, state: putState(dir, state) };
}

const dead = await deadProcess();
const self = selfProcess();
const supervisedBy = (p) => ({ supervisor_pid: p.pid, supervisor_start_time: p.startTime, boot_id: bootId() });

/** As the supervisor leaves a job right before it spawns the process: its logs are open. */
const logsOpened = (job) => {
  writeFileSync(jobFiles(job.dir).stdout, '');
  writeFileSync(jobFiles(job.dir).stderr, '');
  return job;
};

test('a queued job whose supervisor exited is lost; its waiting fields go; job.finished is delivered once', async () => {
  const queuedAt = isoAgo(3000);
  // Its logs exist: the process may have been spawned (its start not yet recorded).
  const job = logsOpened(jobIn({ state: 'queued', updated_at: queuedAt, queued_at: queuedAt, waiting_for: 'queue ci', ...supervisedBy(dead) }));
  const { calls, actions } = recorder(undefined);
  const out = await reconcile(job, actions);
  assert.equal(out.state.state, 'lost');
  assert.equal(out.state.lost_reason, EXITED);
  assert.equal(Object.hasOwn(out.state, 'duration_ms'), false, 'never started: no duration');
  assert.equal(Object.hasOwn(out.state, 'waiting_for'), false);
  assert.ok(Date.parse(out.state.finished_at) >= Date.parse(queuedAt));
  assert.equal(out.state.deliverer_pid, DELIVERER.deliverer_pid);
  assert.equal(out.state.deliverer_start_time, DELIVERER.deliverer_start_time);
  assert.deepEqual(calls.deliverFinished, [job.dir]);
  assert.deepEqual(calls.startSupervisor, []);
  assert.deepEqual(readState(job.dir), out.state);
  // Reconciling the lost job again changes nothing and calls nothing.
  const again = await reconcile({ dir: job.dir, state: readState(job.dir) }, actions);
  assert.deepEqual(again.state, out.state);
  assert.equal(calls.deliverFinished.length, 1);
});

test('a running job whose supervisor exited is lost with its duration', async () => {
  const startedAt = isoAgo(5000);
  const job = jobIn({
    state: 'running', updated_at: startedAt, queued_at: isoAgo(6000), started_at: startedAt,
    pid: dead.pid, pid_start_time: dead.startTime, ...supervisedBy(dead),
  });
  const { calls, actions } = recorder(undefined);
  const out = await reconcile(job, actions);
  assert.equal(out.state.state, 'lost');
  assert.equal(out.state.lost_reason, EXITED);
  assert.ok(out.state.duration_ms >= 5000, `duration_ms ${out.state.duration_ms}`);
  assert.equal(out.state.duration_ms, Date.parse(out.state.finished_at) - Date.parse(startedAt));
  assert.equal(out.state.pid, dead.pid, 'the process fields stay');
  assert.deepEqual(calls.deliverFinished, [job.dir]);
  assert.deepEqual(calls.startSupervisor, []);
  assert.deepEqual(readState(job.dir), out.state);
});

test("a running job whose process outlived its supervisor is lost, and the reason says so", async () => {
  const startedAt = isoAgo(2000);
  const job = jobIn({
    state: 'running', updated_at: startedAt, queued_at: startedAt, started_at: startedAt,
    pid: self.pid, pid_start_time: self.startTime, ...supervisedBy(dead),
  });
  const { calls, actions } = recorder(undefined);
  const out = await reconcile(job, actions);
  assert.equal(out.state.state, 'lost');
  assert.equal(out.state.lost_reason, "supervisor exited without recording an outcome; the job's process is still running");
  assert.equal(calls.deliverFinished.length, 1);
});

test('a job backed by a live supervisor is left alone and nothing is called', async () => {
  for (const state of [
    { state: 'queued', updated_at: isoAgo(60_000), queued_at: isoAgo(60_000), waiting_for: 'queue ci', ...supervisedBy(self) },
    { state: 'running', updated_at: isoAgo(60_000), queued_at: isoAgo(61_000), started_at: isoAgo(60_000), pid: dead.pid, pid_start_time: dead.startTime, ...supervisedBy(self) },
    { state: 'running', updated_at: isoAgo(60_000), queued_at: isoAgo(61_000), started_at: isoAgo(60_000), remote: REMOTE, ...supervisedBy(self) },
  ]) {
    const job = jobIn(state);
    const text = readFileSync(jobFiles(job.dir).state, 'utf8');
    const { calls, actions } = recorder({ pid: 1, startTime: '1' });
    assert.equal(lostReason(job.state), undefined);
    const out = await reconcile(job, actions);
    assert.equal(out, job, 'the job is returned as it was');
    assert.equal(readFileSync(jobFiles(job.dir).state, 'utf8'), text);
    assert.deepEqual(calls, { startSupervisor: [], deliverFinished: [] });
  }
});

test('a remote job whose supervisor exited gets a new supervisor, counted', async () => {
  const fresh = { pid: 5200, startTime: '990022' };
  for (const [state, count] of [
    [{ state: 'queued', updated_at: isoAgo(5000), queued_at: isoAgo(5000), remote: REMOTE, waiting_for: 'executor build-1', ...supervisedBy(dead) }, 1],
    [{ state: 'running', updated_at: isoAgo(5000), queued_at: isoAgo(6000), started_at: isoAgo(5000), remote: REMOTE, reattach_count: 3, ...supervisedBy(dead) }, 4],
  ]) {
    const job = jobIn(state);
    const { calls, actions } = recorder(fresh);
    const out = await reconcile(job, actions);
    assert.equal(out.state.state, state.state, 'not lost');
    assert.equal(out.state.supervisor_pid, fresh.pid);
    assert.equal(out.state.supervisor_start_time, fresh.startTime);
    assert.equal(out.state.reattach_count, count);
    assert.deepEqual(out.state.remote, REMOTE);
    assert.equal(out.state.waiting_for, state.waiting_for);
    assert.deepEqual(calls.startSupervisor, [job.dir]);
    assert.deepEqual(calls.deliverFinished, []);
    assert.deepEqual(readState(job.dir), out.state);
  }
});

test('a local job whose supervisor died before spawning its process gets a new supervisor, counted; lost when none starts or after MAX_REATTACHES', async () => {
  const fresh = { pid: 5200, startTime: '990022' };
  const queued = (extra = {}) => ({ state: 'queued', updated_at: isoAgo(3000), queued_at: isoAgo(3000), ...supervisedBy(dead), ...extra });
  const job = jobIn(queued());
  const r1 = recorder(fresh);
  const out = await reconcile(job, r1.actions);
  assert.equal(out.state.state, 'queued', 'it never ran: it is started again, not lost');
  assert.equal(out.state.supervisor_pid, fresh.pid);
  assert.equal(out.state.reattach_count, 1);
  assert.deepEqual(r1.calls, { startSupervisor: [job.dir], deliverFinished: [] });
  assert.deepEqual(readState(job.dir), out.state);

  const noStart = jobIn(queued());
  const r2 = recorder(undefined);
  assert.equal((await reconcile(noStart, r2.actions)).state.lost_reason, EXITED);
  assert.deepEqual(r2.calls, { startSupervisor: [noStart.dir], deliverFinished: [noStart.dir] });

  const tooMany = jobIn(queued({ reattach_count: MAX_REATTACHES }));
  const r3 = recorder(fresh);
  assert.equal((await reconcile(tooMany, r3.actions)).state.state, 'lost');
  assert.deepEqual(r3.calls.startSupervisor, []);

  // Queued on another boot: the machine rebooted, lost as every job of that boot.
  const rebooted = jobIn(queued({ boot_id: 'another-boot' }));
  const r4 = recorder(fresh);
  assert.equal((await reconcile(rebooted, r4.actions)).state.lost_reason, 'machine rebooted');
  assert.deepEqual(r4.calls.startSupervisor, []);
});

test('a remote job re-attached MAX_REATTACHES times is lost instead', async () => {
  assert.equal(MAX_REATTACHES, 10);
  const startedAt = isoAgo(5000);
  const job = jobIn({ state: 'running', updated_at: startedAt, queued_at: startedAt, started_at: startedAt, remote: REMOTE, reattach_count: MAX_REATTACHES, ...supervisedBy(dead) });
  const { calls, actions } = recorder({ pid: 5200, startTime: '990022' });
  const out = await reconcile(job, actions);
  assert.equal(out.state.state, 'lost');
  assert.equal(out.state.lost_reason, EXITED);
  assert.equal(out.state.reattach_count, MAX_REATTACHES);
  assert.equal(out.state.supervisor_pid, dead.pid);
  assert.ok(out.state.duration_ms >= 5000);
  assert.deepEqual(calls.startSupervisor, []);
  assert.deepEqual(calls.deliverFinished, [job.dir]);
});

test('a remote job whose new supervisor could not be started is lost', async () => {
  const job = jobIn({ state: 'queued', updated_at: isoAgo(5000), queued_at: isoAgo(5000), remote: REMOTE, ...supervisedBy(dead) });
  const { calls, actions } = recorder(undefined);
  const out = await reconcile(job, actions);
  assert.equal(out.state.state, 'lost');
  assert.equal(out.state.lost_reason, EXITED);
  assert.equal(out.state.reattach_count, undefined);
  assert.deepEqual(calls.startSupervisor, [job.dir]);
  assert.deepEqual(calls.deliverFinished, [job.dir]);
});

test('a job recorded on another boot is lost: machine rebooted (even if its pid is alive now)', async () => {
  const startedAt = isoAgo(5000);
  const job = jobIn({
    state: 'running', updated_at: startedAt, queued_at: startedAt, started_at: startedAt,
    supervisor_pid: self.pid, supervisor_start_time: self.startTime, boot_id: 'an-earlier-boot',
  });
  assert.notEqual(bootId(), 'an-earlier-boot');
  const { calls, actions } = recorder(undefined);
  const out = await reconcile(job, actions);
  assert.equal(out.state.state, 'lost');
  assert.equal(out.state.lost_reason, 'machine rebooted');
  assert.ok(out.state.duration_ms >= 5000);
  assert.deepEqual(calls.deliverFinished, [job.dir]);
  assert.deepEqual(calls.startSupervisor, []);
});

test('a queued job without a supervisor: left alone while young, lost after the launch grace', async () => {
  const young = jobIn({ state: 'queued', updated_at: isoAgo(1000), queued_at: isoAgo(1000), launcher_pid: self.pid, launcher_start_time: self.startTime });
  const r1 = recorder(undefined);
  const kept = await reconcile(young, r1.actions);
  assert.equal(kept, young);
  assert.equal(readState(young.dir).state, 'queued');
  assert.deepEqual(r1.calls, { startSupervisor: [], deliverFinished: [] });

  const old = jobIn({ state: 'queued', updated_at: isoAgo(20_000), queued_at: isoAgo(20_000) });
  const r2 = recorder(undefined);
  const out = await reconcile(old, r2.actions);
  assert.equal(out.state.state, 'lost');
  assert.equal(out.state.lost_reason, 'supervisor never started');
  assert.deepEqual(r2.calls, { startSupervisor: [], deliverFinished: [old.dir] });

  // A created job is never lost, however old.
  const created = jobIn({ state: 'created', updated_at: isoAgo(3_600_000) });
  const r3 = recorder(undefined);
  assert.equal(await reconcile(created, r3.actions), created);
  assert.deepEqual(r3.calls, { startSupervisor: [], deliverFinished: [] });
});

test('a lost local job whose retry policy covers lost is queued again for its next attempt', async () => {
  const startedAt = isoAgo(4000);
  const job = jobIn(
    { state: 'running', updated_at: startedAt, queued_at: isoAgo(5000), started_at: startedAt, ...supervisedBy(dead) },
    { retry: { max: 1, delay_ms: 0, on: 'lost' } },
  );
  writeFileSync(jobFiles(job.dir).stdout, 'first attempt output\n');
  const fresh = { pid: 5300, startTime: '990033' };
  const { calls, actions } = recorder(fresh);
  const before = Date.now();
  const out = await reconcile(job, actions);
  const s = out.state;
  assert.equal(s.state, 'queued');
  assert.equal(s.attempt, 2);
  assert.equal(s.supervisor_pid, fresh.pid);
  assert.equal(s.supervisor_start_time, fresh.startTime);
  assert.equal(s.boot_id, bootId());
  assert.ok(Date.parse(s.queued_at) >= before - 5, 'queued_at is the time of the retry');
  for (const field of ['started_at', 'finished_at', 'lost_reason', 'duration_ms', 'deliverer_pid', 'retry_at', 'waiting_for']) {
    assert.equal(Object.hasOwn(s, field), false, field);
  }
  assert.equal(s.attempts.length, 1);
  const [first] = s.attempts;
  assert.equal(first.attempt, 1);
  assert.equal(first.state, 'lost');
  assert.equal(first.lost_reason, EXITED);
  assert.equal(first.started_at, startedAt);
  assert.equal(first.stdout_log_path, join(job.dir, 'stdout.attempt-1.log'));
  assert.equal(first.stderr_log_path, join(job.dir, 'stderr.attempt-1.log'));
  assert.ok(existsSync(first.stdout_log_path));
  assert.ok(existsSync(first.stderr_log_path));
  assert.equal(readFileSync(first.stdout_log_path, 'utf8'), 'first attempt output\n');
  assert.equal(readFileSync(jobFiles(job.dir).stdout, 'utf8'), '', 'the next attempt starts with an empty log');
  assert.deepEqual(calls.startSupervisor, [job.dir]);
  assert.deepEqual(calls.deliverFinished, []);
  assert.deepEqual(readState(job.dir), s);
});

test('a lost local job with no attempt left, or a supervisor that cannot start, is lost', async () => {
  const spent = logsOpened(jobIn(
    { state: 'queued', updated_at: isoAgo(5000), queued_at: isoAgo(5000), attempt: 2, ...supervisedBy(dead) },
    { retry: { max: 1, delay_ms: 0, on: 'lost' } },
  ));
  const r1 = recorder({ pid: 5300, startTime: '990033' });
  const out1 = await reconcile(spent, r1.actions);
  assert.equal(out1.state.state, 'lost');
  assert.deepEqual(r1.calls, { startSupervisor: [], deliverFinished: [spent.dir] });

  const other = logsOpened(jobIn(
    { state: 'queued', updated_at: isoAgo(5000), queued_at: isoAgo(5000), ...supervisedBy(dead) },
    { retry: { max: 1, delay_ms: 0, on: 'nonzero' } },
  ));
  const r2 = recorder({ pid: 5300, startTime: '990033' });
  assert.equal((await reconcile(other, r2.actions)).state.state, 'lost');
  assert.deepEqual(r2.calls, { startSupervisor: [], deliverFinished: [other.dir] });

  const noStart = logsOpened(jobIn(
    { state: 'queued', updated_at: isoAgo(5000), queued_at: isoAgo(5000), ...supervisedBy(dead) },
    { retry: { max: 1, delay_ms: 0, on: 'lost' } },
  ));
  const r3 = recorder(undefined);
  const out3 = await reconcile(noStart, r3.actions);
  assert.equal(out3.state.state, 'lost');
  assert.equal(out3.state.attempts, undefined);
  assert.deepEqual(r3.calls, { startSupervisor: [noStart.dir], deliverFinished: [noStart.dir] });
});

test('a retried job lost to a reboot is queued again on this boot', async () => {
  const startedAt = isoAgo(4000);
  const job = jobIn(
    { state: 'running', updated_at: startedAt, queued_at: startedAt, started_at: startedAt, pid: dead.pid, pid_start_time: dead.startTime, supervisor_pid: dead.pid, supervisor_start_time: dead.startTime, boot_id: 'an-earlier-boot' },
    { retry: { max: 2, delay_ms: 60_000, on: 'any' } },
  );
  const fresh = { pid: 5300, startTime: '990033' };
  const { calls, actions } = recorder(fresh);
  const out = await reconcile(job, actions);
  assert.equal(out.state.state, 'queued');
  assert.equal(out.state.boot_id, bootId(), 'the new supervisor runs on this boot');
  assert.equal(out.state.attempts[0].lost_reason, 'machine rebooted');
  assert.equal(out.state.attempt, 2);
  assert.equal(out.state.waiting_for, `retry at ${out.state.retry_at}`);
  assert.equal(Date.parse(out.state.retry_at) - Date.parse(out.state.queued_at), 60_000);
  assert.deepEqual(calls, { startSupervisor: [job.dir], deliverFinished: [] });
});

test('a remote job is never retried by reconciliation: when it cannot be re-attached it is lost', async () => {
  const job = jobIn(
    { state: 'running', updated_at: isoAgo(5000), queued_at: isoAgo(5000), started_at: isoAgo(5000), remote: REMOTE, reattach_count: MAX_REATTACHES, ...supervisedBy(dead) },
    { retry: { max: 1, delay_ms: 0, on: 'lost' } },
  );
  const { calls, actions } = recorder({ pid: 5300, startTime: '990033' });
  const out = await reconcile(job, actions);
  assert.equal(out.state.state, 'lost');
  assert.equal(out.state.attempts, undefined);
  assert.deepEqual(calls, { startSupervisor: [], deliverFinished: [job.dir] });
});

test('a parked job (waiting as a record, no process) is never lost: not for its age, its missing supervisor, nor a reboot', async () => {
  const parked = { state: 'queued', updated_at: '2020-01-01T00:00:00.000Z', queued_at: '2020-01-01T00:00:00.000Z', parked: true, waiting_for: 'queue ci' };
  assert.equal(lostReason(parked), undefined);
  assert.equal(lostReason({ ...parked, boot_id: 'an-earlier-boot' }), undefined);
  // The same job not parked and never backed is lost.
  const unbacked = { ...parked };
  delete unbacked.parked;
  assert.equal(lostReason(unbacked), 'supervisor never started');
});
