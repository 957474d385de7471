// The pure moves of the lifecycle core (job/transitions.ts, job/annotations.ts), the terminal
// states built from an observed end (job/outcome.ts) and the next attempt of a retried job
// (job/attempts.ts). Every function is tried on one realistic record of each state: a legal
// source gives exactly the documented next state, an illegal one gives undefined. The samples
// are deeply frozen, so a function that changed its input would throw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  adopt, assignSupervisor, claim, claimParked, end, fail, killQueued, live, lose, ownedBy, park, parkedWaitingFor, reattach, recordRemote, requestKill, start, unpark,
} from '../../../dist/lib/job/transitions.js';
import {
  clearRetryWait, markTimedOut, recordProgress, setKillReason, setUnreachable, setWaitingFor,
} from '../../../dist/lib/job/annotations.js';
import { remoteExit, remoteTerminalState, terminalState } from '../../../dist/lib/job/outcome.js';
import { dependenciesMet, nextAttempt } from '../../../dist/lib/job/attempts.js';
import { ALL_STATES, isTerminalState } from '../../../dist/lib/job/state.js';

const STATES = ['created', 'queued', 'running', 'exited', 'killed', 'failed', 'lost'];

function deepFreeze(value) {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** A copy of `obj` without `keys`. */
function omit(obj, ...keys) {
  const out = { ...obj };
  for (const k of keys) delete out[k];
  return out;
}

const T_CREATED = '2026-03-01T09:59:59.000Z';
const T_QUEUED = '2026-03-01T10:00:00.000Z';
const T_STARTED = '2026-03-01T10:00:05.000Z';
const T_FINISHED = '2026-03-01T10:01:05.000Z';
const T_NOW = '2026-03-01T10:02:00.000Z';
const BOOT = '5f0c1a52-8a7e-4d8e-9d0f-2a3b4c5d6e7f';

const SUPERVISOR = { pid: 4100, startTime: '880011' };
const jobFields = {
  updated_at: T_STARTED,
  boot_id: BOOT,
  launcher_pid: 4000,
  launcher_start_time: '880000',
  supervisor_pid: SUPERVISOR.pid,
  supervisor_start_time: SUPERVISOR.startTime,
  queued_at: T_QUEUED,
};
const processFields = {
  started_at: T_STARTED,
  pid: 4200,
  pid_start_time: '880020',
  progress: { stdout_bytes: 120, stderr_bytes: 8, at: '2026-03-01T10:00:35.000Z' },
};
const endedFields = { finished_at: T_FINISHED, duration_ms: 60_000 };
const KILL_REQUEST = { signal: 'SIGTERM', grace_ms: 5000, requested_at: '2026-03-01T10:01:00.000Z' };

/** One record of each state, as a supervisor would have written it. */
const SAMPLES = deepFreeze({
  created: { state: 'created', updated_at: T_CREATED },
  queued: { ...jobFields, state: 'queued', waiting_for: 'retry at 2026-03-01T10:00:30.000Z', retry_at: '2026-03-01T10:00:30.000Z' },
  running: { ...jobFields, state: 'running', ...processFields },
  exited: { ...jobFields, state: 'exited', ...processFields, ...endedFields, exit_code: 0, timed_out: false },
  killed: { ...jobFields, state: 'killed', ...processFields, ...endedFields, signal: 'SIGTERM', timed_out: false, kill_request: KILL_REQUEST },
  failed: { ...jobFields, state: 'failed', ...processFields, ...endedFields, exit_code: 0, error: { code: 'disk_full', message: 'the filesystem holding the job logs is full: output may be missing' } },
  lost: { ...jobFields, state: 'lost', ...processFields, ...endedFields, lost_reason: 'supervisor exited without recording an outcome' },
});

/** Variants the rules single out. */
const REMOTE = deepFreeze({ host: 'build-1', remote_dir: '/home/ci/.jobctl/remote/abc', remote_pid: 7312 });
const QUEUED_UNSUPERVISED = deepFreeze({ ...omit(SAMPLES.queued, 'supervisor_pid', 'supervisor_start_time', 'retry_at'), waiting_for: 'queue ci' });
const QUEUED_REMOTE = deepFreeze({ ...omit(SAMPLES.queued, 'retry_at', 'waiting_for'), remote: REMOTE, waiting_for: 'executor build-1' });
const RUNNING_REMOTE = deepFreeze({ ...omit(SAMPLES.running, 'pid', 'pid_start_time'), remote: REMOTE });

test('the samples cover every state, and exactly the terminal ones are terminal', () => {
  assert.deepEqual([...ALL_STATES].sort(), [...STATES].sort());
  for (const s of STATES) {
    assert.equal(SAMPLES[s].state, s);
    assert.equal(isTerminalState(SAMPLES[s]), ['exited', 'killed', 'failed', 'lost'].includes(s), s);
  }
});

/**
 * Applies `fn` to the sample of every state: a state named in `legal` must give what its
 * function builds from the sample; every other state must give undefined.
 */
function checkTable(name, fn, legal) {
  for (const s of Object.keys(legal)) assert.ok(STATES.includes(s), `${name}: unknown state ${s} in the table`);
  for (const s of STATES) {
    const got = fn(SAMPLES[s]);
    if (Object.hasOwn(legal, s)) {
      assert.notEqual(got, undefined, `${name} from ${s} is legal`);
      assert.deepEqual(got, legal[s](SAMPLES[s]), `${name} from ${s}`);
    } else {
      assert.equal(got, undefined, `${name} from ${s} must be refused`);
    }
  }
}

// ---- transitions.ts ----

test('live: created, queued and running only', () => {
  for (const s of STATES) assert.equal(live(SAMPLES[s]), ['created', 'queued', 'running'].includes(s), s);
});

test('ownedBy: any pid while no supervisor is recorded, else only the recorded one', () => {
  assert.equal(ownedBy(SAMPLES.created, 1), true);
  assert.equal(ownedBy(QUEUED_UNSUPERVISED, 999), true);
  assert.equal(ownedBy(SAMPLES.queued, SUPERVISOR.pid), true);
  assert.equal(ownedBy(SAMPLES.queued, SUPERVISOR.pid + 1), false);
  assert.equal(ownedBy(SAMPLES.running, SUPERVISOR.pid + 1), false);
});

test('claim: created → queued with queued_at and the launcher; nothing else', () => {
  const launcher = { pid: 5000, startTime: '990000' };
  checkTable('claim', (cur) => claim(cur, launcher, T_NOW), {
    created: () => ({ state: 'queued', updated_at: T_CREATED, queued_at: T_NOW, launcher_pid: 5000, launcher_start_time: '990000' }),
  });
});

test('assignSupervisor: only a queued job without a supervisor', () => {
  const sup = { pid: 5100, startTime: '990011' };
  checkTable('assignSupervisor', (cur) => assignSupervisor(cur, sup), {});
  assert.deepEqual(assignSupervisor(QUEUED_UNSUPERVISED, sup), { ...QUEUED_UNSUPERVISED, supervisor_pid: 5100, supervisor_start_time: '990011' });
  // The queued sample already has its supervisor: a second one is not recorded over it.
  assert.equal(assignSupervisor(SAMPLES.queued, sup), undefined);
});

test('claimParked: created → queued, parked with why it waits, no supervisor', () => {
  const launcher = { pid: 5000, startTime: '990000' };
  checkTable('claimParked', (cur) => claimParked(cur, launcher, T_NOW, 'queue ci'), {
    created: () => ({ state: 'queued', updated_at: T_CREATED, queued_at: T_NOW, launcher_pid: 5000, launcher_start_time: '990000', parked: true, waiting_for: 'queue ci' }),
  });
});

test('park: the owner of a queued local job leaves it as a record: no supervisor, no boot id; retry_at kept', () => {
  checkTable('park', (cur) => park(cur, 'retry at 2026-03-01T10:00:30.000Z', SUPERVISOR.pid), {
    queued: (cur) => ({ ...omit(cur, 'supervisor_pid', 'supervisor_start_time', 'boot_id'), parked: true }),
  });
  assert.equal(park(SAMPLES.queued, 'queue ci', SUPERVISOR.pid + 1), undefined, 'not its owner');
  assert.equal(park(QUEUED_REMOTE, 'queue ci', SUPERVISOR.pid), undefined, 'a remote job is never parked');
});

test('unpark: a parked job goes to the supervisor started for it; its waiting fields go; parkedWaitingFor only relabels a parked job', () => {
  const sup = { pid: 5100, startTime: '990011' };
  const parked = deepFreeze(park(SAMPLES.queued, 'retry at 2026-03-01T10:00:30.000Z', SUPERVISOR.pid));
  checkTable('unpark', (cur) => unpark(cur, sup, BOOT), {});
  assert.deepEqual(unpark(parked, sup, BOOT), { ...omit(SAMPLES.queued, 'waiting_for', 'retry_at'), supervisor_pid: 5100, supervisor_start_time: '990011', boot_id: BOOT });
  assert.deepEqual(parkedWaitingFor(parked, 'queue ci'), { ...parked, waiting_for: 'queue ci' });
  assert.equal(parkedWaitingFor(parked, parked.waiting_for), undefined, 'nothing to write');
  checkTable('parkedWaitingFor', (cur) => parkedWaitingFor(cur, 'queue ci'), {});
  // Every way out of queued drops the mark.
  assert.equal(killQueued(parked, 'SIGTERM', T_NOW).parked, undefined);
  assert.equal(fail(parked, { code: 'dependency_failed', message: 'x' }, T_NOW).parked, undefined);
  assert.equal(start(parked, { startedAt: T_NOW }).parked, undefined);
});

test('adopt: the owning (or a first) supervisor of a live job records itself; never a terminal job', () => {
  const self = { pid: SUPERVISOR.pid, startTime: '880099', bootId: 'new-boot' };
  const adopted = (cur) => ({ ...cur, supervisor_pid: SUPERVISOR.pid, supervisor_start_time: '880099', boot_id: 'new-boot' });
  // The terminal samples name this very supervisor: they are refused for being terminal.
  checkTable('adopt', (cur) => adopt(cur, self), { created: adopted, queued: adopted, running: adopted });
  assert.deepEqual(adopt(QUEUED_UNSUPERVISED, { pid: 6000, startTime: '1', bootId: BOOT }), { ...QUEUED_UNSUPERVISED, supervisor_pid: 6000, supervisor_start_time: '1', boot_id: BOOT });
  const other = { pid: SUPERVISOR.pid + 1, startTime: '880099', bootId: BOOT };
  assert.equal(adopt(SAMPLES.queued, other), undefined);
  assert.equal(adopt(SAMPLES.running, other), undefined);
  assert.equal(adopt(RUNNING_REMOTE, other), undefined);
});

test('start: queued → running; waiting fields dropped, started_at and the process recorded', () => {
  const run = { startedAt: T_NOW, pid: 4300, pidStartTime: '880040' };
  checkTable('start', (cur) => start(cur, run), {
    queued: (q) => ({ ...omit(q, 'waiting_for', 'retry_at'), state: 'running', started_at: T_NOW, pid: 4300, pid_start_time: '880040' }),
  });
  // A remote job has no local pid: no pid field at all.
  const remote = start(QUEUED_REMOTE, { startedAt: T_NOW });
  assert.deepEqual(remote, { ...omit(QUEUED_REMOTE, 'waiting_for'), state: 'running', started_at: T_NOW });
  assert.equal(Object.hasOwn(remote, 'pid'), false);
  assert.equal(Object.hasOwn(remote, 'pid_start_time'), false);
});

test('fail: created | queued | running → failed; a queued job loses its waiting fields', () => {
  const error = { code: 'launch_failed', message: 'cwd /nope is not a directory' };
  checkTable('fail', (cur) => fail(cur, error, T_NOW), {
    created: (c) => ({ ...c, state: 'failed', error, finished_at: T_NOW }),
    queued: (q) => ({ ...omit(q, 'waiting_for', 'retry_at'), state: 'failed', error, finished_at: T_NOW }),
    running: (r) => ({ ...r, state: 'failed', error, finished_at: T_NOW }),
  });
  const extra = { deliverer_pid: 4500, deliverer_start_time: '880050' };
  assert.deepEqual(fail(SAMPLES.queued, error, T_NOW, extra), { ...omit(SAMPLES.queued, 'waiting_for', 'retry_at'), ...extra, state: 'failed', error, finished_at: T_NOW });
});

test('killQueued: only from queued; the waiting fields go', () => {
  checkTable('killQueued', (cur) => killQueued(cur, 'SIGTERM', T_NOW), {
    queued: (q) => ({ ...omit(q, 'waiting_for', 'retry_at'), state: 'killed', signal: 'SIGTERM', finished_at: T_NOW }),
  });
  const extra = { deliverer_pid: 4500, deliverer_start_time: '880050' };
  assert.deepEqual(killQueued(SAMPLES.queued, 'SIGKILL', T_NOW, extra), { ...omit(SAMPLES.queued, 'waiting_for', 'retry_at'), ...extra, state: 'killed', signal: 'SIGKILL', finished_at: T_NOW });
});

test('requestKill: a running job, or a queued job with `remote`; nothing else', () => {
  const request = { signal: 'SIGINT', grace_ms: 2000, requested_at: T_NOW };
  checkTable('requestKill', (cur) => requestKill(cur, request), {
    running: (r) => ({ ...r, kill_request: request }),
  });
  assert.deepEqual(requestKill(QUEUED_REMOTE, request), { ...QUEUED_REMOTE, kill_request: request });
  assert.deepEqual(requestKill(RUNNING_REMOTE, request), { ...RUNNING_REMOTE, kill_request: request });
  assert.equal(requestKill(QUEUED_UNSUPERVISED, request), undefined);
});

test('lose: queued | running → lost; duration only when given; waiting fields dropped', () => {
  const reason = 'machine rebooted';
  checkTable('lose with a duration', (cur) => lose(cur, reason, T_NOW, 115_000), {
    queued: (q) => ({ ...omit(q, 'waiting_for', 'retry_at'), state: 'lost', lost_reason: reason, finished_at: T_NOW, duration_ms: 115_000 }),
    running: (r) => ({ ...r, state: 'lost', lost_reason: reason, finished_at: T_NOW, duration_ms: 115_000 }),
  });
  checkTable('lose without a duration', (cur) => lose(cur, reason, T_NOW, undefined), {
    queued: (q) => ({ ...omit(q, 'waiting_for', 'retry_at'), state: 'lost', lost_reason: reason, finished_at: T_NOW }),
    running: (r) => ({ ...r, state: 'lost', lost_reason: reason, finished_at: T_NOW }),
  });
  assert.equal(Object.hasOwn(lose(SAMPLES.running, reason, T_NOW, undefined), 'duration_ms'), false);
});

test('reattach: a queued or running job gets the new supervisor, this boot and one more reattach; never another state', () => {
  const sup = { pid: 5200, startTime: '990022' };
  assert.deepEqual(reattach(QUEUED_REMOTE, sup, 'boot-now'), { ...QUEUED_REMOTE, supervisor_pid: 5200, supervisor_start_time: '990022', boot_id: 'boot-now', reattach_count: 1 });
  const twice = deepFreeze({ ...RUNNING_REMOTE, reattach_count: 2 });
  assert.deepEqual(reattach(twice, sup, 'boot-now'), { ...RUNNING_REMOTE, supervisor_pid: 5200, supervisor_start_time: '990022', boot_id: 'boot-now', reattach_count: 3 });
  const bump = (cur) => ({ ...cur, supervisor_pid: 5200, supervisor_start_time: '990022', boot_id: 'boot-now', reattach_count: (cur.reattach_count ?? 0) + 1 });
  checkTable('reattach', (cur) => reattach(cur, sup, 'boot-now'), { queued: bump, running: bump });
});

test('recordRemote: any live job records where it runs; never a terminal one', () => {
  const remote = { submitting: true, host: 'build-1', remote_dir: '/r/abc' };
  const recorded = (cur) => ({ ...cur, remote });
  checkTable('recordRemote', (cur) => recordRemote(cur, remote), { created: recorded, queued: recorded, running: recorded });
});

test('end: a live job takes the given terminal state as it is; an ended job none', () => {
  for (const ended of ['exited', 'killed', 'failed', 'lost']) {
    const target = SAMPLES[ended];
    const identical = () => target;
    checkTable(`end(${ended})`, (cur) => end(cur, target), { created: identical, queued: identical, running: identical });
    assert.equal(end(SAMPLES.running, target), target, 'the terminal state is returned, not a copy');
  }
});

// ---- annotations.ts ----

test('setWaitingFor: only a queued job; only when the text changes; with a pid only for that supervisor', () => {
  const setTo = (text) => (q) => ({ ...q, waiting_for: text });
  checkTable('setWaitingFor(text)', (cur) => setWaitingFor(cur, 'job 0123456789abcdefghij'), { queued: setTo('job 0123456789abcdefghij') });
  checkTable('setWaitingFor(text, supervisor)', (cur) => setWaitingFor(cur, 'queue ci', SUPERVISOR.pid), { queued: setTo('queue ci') });
  checkTable('setWaitingFor(text, other pid)', (cur) => setWaitingFor(cur, 'queue ci', SUPERVISOR.pid + 1), {});
  // No supervisor recorded yet (the launcher records it right after starting it): any pid may.
  assert.deepEqual(setWaitingFor(QUEUED_UNSUPERVISED, 'queue other', 4100), { ...QUEUED_UNSUPERVISED, waiting_for: 'queue other' });
  assert.deepEqual(setWaitingFor(QUEUED_UNSUPERVISED, 'queue other'), { ...QUEUED_UNSUPERVISED, waiting_for: 'queue other' });
  // Nothing changes: undefined (nothing to write).
  assert.equal(setWaitingFor(SAMPLES.queued, SAMPLES.queued.waiting_for), undefined);
  assert.equal(setWaitingFor(SAMPLES.queued, SAMPLES.queued.waiting_for, SUPERVISOR.pid), undefined);
  const unset = deepFreeze(omit(SAMPLES.queued, 'waiting_for'));
  assert.equal(setWaitingFor(unset, undefined), undefined);
  // Clearing removes the field.
  const cleared = setWaitingFor(SAMPLES.queued, undefined, SUPERVISOR.pid);
  assert.deepEqual(cleared, omit(SAMPLES.queued, 'waiting_for'));
  assert.equal(Object.hasOwn(cleared, 'waiting_for'), false);
});

test('clearRetryWait: the owner of a queued job drops retry_at and the waiting_for that named it', () => {
  checkTable('clearRetryWait(owner)', (cur) => clearRetryWait(cur, SUPERVISOR.pid), { queued: (q) => omit(q, 'retry_at', 'waiting_for') });
  checkTable('clearRetryWait(other)', (cur) => clearRetryWait(cur, SUPERVISOR.pid + 1), {});
  // A waiting_for about something else than the retry stays.
  const otherWait = deepFreeze({ ...SAMPLES.queued, waiting_for: 'queue ci' });
  assert.deepEqual(clearRetryWait(otherWait, SUPERVISOR.pid), omit(otherWait, 'retry_at'));
  // No supervisor recorded yet: any pid may; with nothing to clear, nothing is written.
  const unsupervisedRetry = deepFreeze({ ...QUEUED_UNSUPERVISED, retry_at: T_NOW });
  assert.deepEqual(clearRetryWait(unsupervisedRetry, 77), QUEUED_UNSUPERVISED);
  assert.equal(clearRetryWait(QUEUED_UNSUPERVISED, 77), undefined);
});

test('markTimedOut: a running job; with a pid only that attempt', () => {
  const timedOut = (r) => ({ ...r, timed_out: true });
  checkTable('markTimedOut()', (cur) => markTimedOut(cur), { running: timedOut });
  checkTable('markTimedOut(pid)', (cur) => markTimedOut(cur, processFields.pid), { running: timedOut });
  checkTable('markTimedOut(other pid)', (cur) => markTimedOut(cur, processFields.pid + 1), {});
});

test('setKillReason: a running job only', () => {
  checkTable('setKillReason(max_log_bytes)', (cur) => setKillReason(cur, 'max_log_bytes'), { running: (r) => ({ ...r, kill_reason: 'max_log_bytes' }) });
  checkTable('setKillReason(max_turns)', (cur) => setKillReason(cur, 'max_turns'), { running: (r) => ({ ...r, kill_reason: 'max_turns' }) });
});

test('recordProgress: a running job; with a pid only while that attempt runs', () => {
  const progress = { stdout_bytes: 4096, stderr_bytes: 12, at: T_NOW };
  const withProgress = (r) => ({ ...r, progress });
  checkTable('recordProgress(remote)', (cur) => recordProgress(cur, progress), { running: withProgress });
  checkTable('recordProgress(pid)', (cur) => recordProgress(cur, progress, processFields.pid), { running: withProgress });
  checkTable('recordProgress(other pid)', (cur) => recordProgress(cur, progress, processFields.pid + 1), {});
  // A remote job has no pid: only the pid-less heartbeat applies to it.
  assert.deepEqual(recordProgress(RUNNING_REMOTE, progress), { ...RUNNING_REMOTE, progress });
  assert.equal(recordProgress(RUNNING_REMOTE, progress, processFields.pid), undefined);
  assert.equal(recordProgress(QUEUED_REMOTE, progress), undefined);
});

test('setUnreachable: any live job; clearing only when set', () => {
  const unreachable = { since: T_NOW, error: 'ssh: connect to host build-1 port 22: Connection refused' };
  const marked = (cur) => ({ ...cur, remote_unreachable: unreachable });
  checkTable('setUnreachable(set)', (cur) => setUnreachable(cur, unreachable), { created: marked, queued: marked, running: marked });
  // Nothing recorded: clearing changes nothing.
  checkTable('setUnreachable(clear, unset)', (cur) => setUnreachable(cur, undefined), {});
  const out = deepFreeze({ ...RUNNING_REMOTE, remote_unreachable: unreachable });
  const cleared = setUnreachable(out, undefined);
  assert.deepEqual(cleared, RUNNING_REMOTE);
  assert.equal(Object.hasOwn(cleared, 'remote_unreachable'), false);
  const endedOut = deepFreeze({ ...SAMPLES.lost, remote: REMOTE, remote_unreachable: unreachable });
  assert.equal(setUnreachable(endedOut, undefined), undefined);
});

// ---- outcome.ts ----

const facts = (over = {}) => ({
  exit: { code: 0, signal: null },
  finishedAt: T_NOW,
  timedOut: false,
  killedForLogSize: false,
  logTruncated: false,
  diskFull: false,
  ...over,
});

test('terminalState: from running, with the duration since started_at', () => {
  assert.deepEqual(terminalState(SAMPLES.running, facts({ exit: { code: 3, signal: null } })), {
    ...SAMPLES.running, state: 'exited', exit_code: 3, finished_at: T_NOW, timed_out: false, duration_ms: 115_000,
  });
  assert.deepEqual(terminalState(SAMPLES.running, facts({ exit: { code: null, signal: 'SIGTERM' }, timedOut: true })), {
    ...SAMPLES.running, state: 'killed', signal: 'SIGTERM', finished_at: T_NOW, timed_out: true, duration_ms: 115_000,
  });
  assert.deepEqual(terminalState(SAMPLES.running, facts({ exit: { code: null, signal: 'SIGKILL' }, killedForLogSize: true, logTruncated: true })), {
    ...SAMPLES.running, state: 'killed', signal: 'SIGKILL', finished_at: T_NOW, timed_out: false, duration_ms: 115_000, kill_reason: 'max_log_bytes', log_truncated: true,
  });
  assert.equal(terminalState(SAMPLES.running, facts({ stoppedForMaxTurns: true })).kill_reason, 'max_turns');
  // No exit status at all: -1, never a made-up success.
  assert.equal(terminalState(SAMPLES.running, facts({ exit: { code: null, signal: null } })).exit_code, -1);
  assert.deepEqual(terminalState(SAMPLES.running, facts({ diskFull: true })), {
    ...SAMPLES.running, state: 'failed', exit_code: 0, finished_at: T_NOW, timed_out: false, duration_ms: 115_000,
    error: { code: 'disk_full', message: 'the filesystem holding the job logs is full: output may be missing' },
  });
});

test('terminalState: a queued (remote, never started) job ends without its waiting fields and without a duration', () => {
  const queued = deepFreeze({ ...SAMPLES.queued, remote: REMOTE });
  const next = terminalState(queued, facts({ exit: { code: 1, signal: null } }));
  assert.deepEqual(next, { ...omit(queued, 'waiting_for', 'retry_at'), state: 'exited', exit_code: 1, finished_at: T_NOW, timed_out: false });
  for (const field of ['waiting_for', 'retry_at', 'duration_ms']) assert.equal(Object.hasOwn(next, field), false, field);
});

test('terminalState: nothing for a created or an ended job', () => {
  checkTable('terminalState', (cur) => terminalState(cur, facts()), {
    queued: (q) => ({ ...omit(q, 'waiting_for', 'retry_at'), state: 'exited', exit_code: 0, finished_at: T_NOW, timed_out: false }),
    running: (r) => ({ ...r, state: 'exited', exit_code: 0, finished_at: T_NOW, timed_out: false, duration_ms: 115_000 }),
  });
});

test('remoteTerminalState: lost, failed by the executor, or the exit; never for an ended job', () => {
  const queued = deepFreeze({ ...QUEUED_REMOTE, retry_at: '2026-03-01T10:00:30.000Z' });
  const lostReason = 'Slurm no longer knows job 812: it left the queue';
  const lostQueued = remoteTerminalState(queued, facts({ exit: { code: null, signal: null }, lostReason }));
  assert.deepEqual(lostQueued, { ...omit(queued, 'waiting_for', 'retry_at'), state: 'lost', lost_reason: lostReason, finished_at: T_NOW, timed_out: false });
  assert.deepEqual(remoteTerminalState(RUNNING_REMOTE, facts({ exit: { code: null, signal: null }, lostReason, timedOut: true })), {
    ...RUNNING_REMOTE, state: 'lost', lost_reason: lostReason, finished_at: T_NOW, timed_out: true, duration_ms: 115_000,
  });
  const error = { code: 'oom_killed', message: 'Slurm killed job 812 for exceeding its memory limit (OUT_OF_MEMORY)' };
  const oom = remoteTerminalState(RUNNING_REMOTE, facts({ exit: { code: null, signal: null }, error }));
  assert.deepEqual(oom, { ...RUNNING_REMOTE, state: 'failed', error, finished_at: T_NOW, timed_out: false, duration_ms: 115_000 });
  assert.equal(Object.hasOwn(oom, 'exit_code'), false, 'no invented exit status');
  // An executor error with an exit status keeps the status.
  assert.deepEqual(remoteTerminalState(RUNNING_REMOTE, facts({ exit: { code: 137, signal: null }, error })), {
    ...RUNNING_REMOTE, state: 'failed', error, exit_code: 137, finished_at: T_NOW, timed_out: false, duration_ms: 115_000,
  });
  const fromQueued = remoteTerminalState(queued, facts({ exit: { code: 2, signal: null } }));
  assert.deepEqual(fromQueued, { ...omit(queued, 'waiting_for', 'retry_at'), state: 'exited', exit_code: 2, finished_at: T_NOW, timed_out: false });
  for (const s of ['created', 'exited', 'killed', 'failed', 'lost']) {
    assert.equal(remoteTerminalState(SAMPLES[s], facts({ lostReason })), undefined, `${s} (lost)`);
    assert.equal(remoteTerminalState(SAMPLES[s], facts({ error })), undefined, `${s} (error)`);
    assert.equal(remoteTerminalState(SAMPLES[s], facts()), undefined, `${s} (exit)`);
  }
});

test('remoteExit: 128+N is a signal only when jobctl sent one', () => {
  assert.deepEqual(remoteExit(undefined, 'SIGKILL', false), { code: null, signal: 'SIGKILL' });
  assert.deepEqual(remoteExit(143, undefined, true), { code: null, signal: 'SIGTERM' });
  assert.deepEqual(remoteExit(143, undefined, false), { code: 143, signal: null });
  assert.deepEqual(remoteExit(128, undefined, true), { code: 128, signal: null });
  assert.deepEqual(remoteExit(200, undefined, true), { code: 200, signal: null });
  assert.deepEqual(remoteExit(undefined, undefined, true), { code: null, signal: null });
});

// ---- attempts.ts ----

test('nextAttempt: only the job fields survive; the attempt is recorded with its kept logs', () => {
  const ended = deepFreeze({
    ...SAMPLES.exited,
    exit_code: 3,
    reattach_count: 1,
    kill_reason: 'max_log_bytes',
    log_truncated: true,
    remote_unreachable: { since: T_STARTED, error: 'x' },
    // Not job fields either (they describe where and how this attempt ran and ended).
    remote: REMOTE,
    kill_request: KILL_REQUEST,
    attempt: 1,
    deliverer_pid: 4500,
    deliverer_start_time: '880050',
  });
  const logs = { stdout: '/jobs/abc/stdout.attempt-1.log', stderr: '/jobs/abc/stderr.attempt-1.log' };
  const now = Date.parse(T_NOW);
  assert.deepEqual(nextAttempt(ended, { max: 2, delay_ms: 0, on: 'nonzero' }, logs, now), {
    updated_at: ended.updated_at,
    boot_id: BOOT,
    launcher_pid: 4000,
    launcher_start_time: '880000',
    supervisor_pid: SUPERVISOR.pid,
    supervisor_start_time: SUPERVISOR.startTime,
    reattach_count: 1,
    state: 'queued',
    queued_at: T_NOW,
    attempt: 2,
    attempts: [{
      attempt: 1,
      state: 'exited',
      exit_code: 3,
      timed_out: false,
      started_at: T_STARTED,
      finished_at: T_FINISHED,
      duration_ms: 60_000,
      stdout_log_path: logs.stdout,
      stderr_log_path: logs.stderr,
    }],
  });
});

test('nextAttempt: a delay sets retry_at and waiting_for; earlier attempts are kept in order', () => {
  const first = { attempt: 1, state: 'lost', timed_out: false, lost_reason: 'machine rebooted', finished_at: T_QUEUED, stdout_log_path: '/j/stdout.attempt-1.log', stderr_log_path: '/j/stderr.attempt-1.log' };
  const ended = deepFreeze({
    updated_at: T_FINISHED, state: 'killed', signal: 'SIGTERM', timed_out: true, started_at: T_STARTED, finished_at: T_FINISHED,
    queued_at: T_QUEUED, attempt: 2, attempts: [first],
  });
  const logs = { stdout: '/j/stdout.attempt-2.log', stderr: '/j/stderr.attempt-2.log' };
  const now = Date.parse(T_NOW);
  const next = nextAttempt(ended, { max: 3, delay_ms: 30_000, on: 'timeout' }, logs, now);
  const at = '2026-03-01T10:02:30.000Z';
  assert.deepEqual(next, {
    updated_at: T_FINISHED,
    state: 'queued',
    queued_at: T_NOW,
    attempt: 3,
    retry_at: at,
    waiting_for: `retry at ${at}`,
    attempts: [first, {
      attempt: 2, state: 'killed', signal: 'SIGTERM', timed_out: true, started_at: T_STARTED, finished_at: T_FINISHED,
      stdout_log_path: logs.stdout, stderr_log_path: logs.stderr,
    }],
  });
  // The ended state's own list is not modified.
  assert.equal(ended.attempts.length, 1);
});

test('nextAttempt: a failure and a lost attempt record their error and reason', () => {
  const logs = { stdout: 'o', stderr: 'e' };
  const fromFailed = nextAttempt(SAMPLES.failed, { max: 1, delay_ms: 0, on: 'any' }, logs, Date.parse(T_NOW));
  assert.deepEqual(fromFailed.attempts[0].error, SAMPLES.failed.error);
  assert.equal(fromFailed.attempts[0].exit_code, 0);
  const fromLost = nextAttempt(SAMPLES.lost, { max: 1, delay_ms: 0, on: 'lost' }, logs, Date.parse(T_NOW));
  assert.equal(fromLost.attempts[0].lost_reason, SAMPLES.lost.lost_reason);
  assert.equal(fromLost.attempts[0].state, 'lost');
  assert.equal(Object.hasOwn(fromLost, 'lost_reason'), false);
  assert.equal(Object.hasOwn(fromLost, 'finished_at'), false);
});

test('dependenciesMet: once an earlier attempt started', () => {
  assert.equal(dependenciesMet(SAMPLES.queued), false);
  assert.equal(dependenciesMet({ ...SAMPLES.queued, attempts: [{ attempt: 1, state: 'failed', timed_out: false }] }), false);
  assert.equal(dependenciesMet({ ...SAMPLES.queued, attempts: [{ attempt: 1, state: 'exited', started_at: T_STARTED, timed_out: false }] }), true);
});
