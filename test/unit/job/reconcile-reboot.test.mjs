// A remote job re-attached after a reboot: reattach() records the new supervisor with this
// boot's id, so the next reconcile sees it backed (the boot check comes before any liveness
// check) instead of starting yet another supervisor until MAX_REATTACHES ends the job as lost.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { reconcile, lostReason } from '../../../dist/lib/job/reconcile.js';
import { readState } from '../../../dist/lib/store/jobs.js';
import { makeJob, putState, selfProcess, tempRoot, isoAgo } from '../../helpers/unit-store.mjs';

const { root, cleanup } = tempRoot('jobctl-reconcile-bug-');
after(cleanup);

/** A running remote job whose supervisor died before a reboot of this machine. */
function remoteJobFromAnEarlierBoot() {
  const { dir } = makeJob(root);
  const startedAt = isoAgo(60_000);
  putState(dir, {
    state: 'running', updated_at: startedAt, queued_at: startedAt, started_at: startedAt,
    remote: { host: 'build-1', remote_dir: '/r/abc', remote_pid: 7312 },
    supervisor_pid: 999_999, supervisor_start_time: '1', boot_id: 'an-earlier-boot',
  });
  return dir;
}

test('a remote job re-attached after a reboot is backed by its new, live supervisor', async () => {
  const dir = remoteJobFromAnEarlierBoot();
  // The new supervisor: a live process (this one), not yet through adopt().
  const fresh = selfProcess();
  const started = [];
  const actions = {
    startSupervisor(d) { started.push(d); return { pid: fresh.pid, startTime: fresh.startTime }; },
    deliverFinished() { return {}; },
  };
  const first = await reconcile({ dir, state: readState(dir) }, actions);
  assert.equal(first.state.state, 'running');
  assert.equal(first.state.reattach_count, 1);
  assert.equal(started.length, 1);

  // The job is backed (its recorded supervisor is alive): nothing to do.
  assert.equal(lostReason(readState(dir)), undefined);
  const second = await reconcile({ dir, state: readState(dir) }, actions);
  assert.equal(started.length, 1, 'no second supervisor is started');
  assert.equal(second.state.reattach_count, 1);
});

test('repeated reconciles before adopt() do not end a healthy remote job as lost', async () => {
  const dir = remoteJobFromAnEarlierBoot();
  const fresh = selfProcess();
  let starts = 0;
  const actions = {
    startSupervisor() { starts++; return { pid: fresh.pid, startTime: fresh.startTime }; },
    deliverFinished() { return {}; },
  };
  for (let i = 0; i < 12; i++) await reconcile({ dir, state: readState(dir) }, actions);
  // One supervisor started, the job still running (not lost as 'machine rebooted' after
  // MAX_REATTACHES supervisors, one per reconcile).
  assert.equal(starts, 1);
  assert.equal(readState(dir).state, 'running');
});
