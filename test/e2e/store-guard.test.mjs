// The store guards itself against what it did not write: a stalled supervisor, a planted lock
// file, a symlink or a FIFO in place of a job file, corrupt job files, a root that is a file.
// Every case drives the built bin/jobctl against a temp root with real processes and files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync, openSync, closeSync, writeSync, constants as fsConstants } from 'node:fs';
import { join } from 'node:path';
import { withRoot, waitFor, processAlive, runUntilRunning, supervisorGone } from '../helpers/jobctl.mjs';

const stateOf = (root, id) => JSON.parse(readFileSync(join(root, id, 'state.json'), 'utf8'));
const mkfifo = (path) => execFileSync('mkfifo', [path]);

/** A call that must not block: SIGKILLed after `ms` (it then fails the one-JSON-object check). */
const bounded = (ms) => ({ onSpawn: (child) => { const timer = setTimeout(() => child.kill('SIGKILL'), ms); child.on('close', () => clearTimeout(timer)); } });

/** Writes `text` to a FIFO if something has it open for reading; false when nobody does. */
function feedFifo(path, text) {
  let fd;
  try {
    fd = openSync(path, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK);
  } catch {
    return false;
  }
  try { writeSync(fd, text); } finally { closeSync(fd); }
  return true;
}

test('an --env-file replaced by a FIFO fails the job at once; a kill never lets its command run', async (t) => {
  const { run, root, base } = withRoot(t);
  const envFile = join(base, 'job.env');
  writeFileSync(envFile, 'GREETING=hi\n');
  const marker = join(base, 'ran');
  const { json } = await run(['create', '--env-file', envFile, '--', 'sh', '-c', `touch ${marker}`]);
  rmSync(envFile);
  mkfifo(envFile);
  const started = await run(['start', '--snapshot-after', '0', json.job_id]);
  assert.equal(started.json.job_id, json.job_id);
  // The supervisor does not sit in the job lock reading the FIFO: kill answers, the job ends.
  const killed = await run(['kill', json.job_id], bounded(20_000));
  assert.ok(['failed', 'killed'].includes(killed.json.state), JSON.stringify(killed.json));
  // Whoever opened the FIFO gets a line now; the command must still never run.
  feedFifo(envFile, 'GREETING=late\n');
  await supervisorGone(root, json.job_id);
  const final = stateOf(root, json.job_id);
  assert.ok(['failed', 'killed'].includes(final.state), `a killed or refused job stays so: ${JSON.stringify(final)}`);
  assert.equal(existsSync(marker), false, 'the command of a job that was killed or refused never ran');
  if (final.state === 'failed') {
    assert.equal(final.error.code, 'launch_failed');
    assert.match(final.error.message, /job\.env/);
    assert.match(final.error.message, /not a regular file/);
  }
});

test('an --env-file that is a FIFO is refused before anything waits on it', async (t) => {
  const { run, base } = withRoot(t);
  const envFile = join(base, 'job.env');
  writeFileSync(envFile, 'GREETING=hi\n');
  const { json } = await run(['create', '--env-file', envFile, '--', 'true']);
  rmSync(envFile);
  mkfifo(envFile);
  const done = await run(['start', '--wait', json.job_id], bounded(20_000));
  assert.equal(done.json.state, 'failed');
  assert.equal(done.json.error.code, 'launch_failed');
  assert.match(done.json.error.message, /job\.env.*not a regular file/);
});

test('a .lock that is a plain file, or a directory with a future mtime, is recovered', async (t) => {
  const { run, root } = withRoot(t);
  for (const plant of ['file', 'future-dir', 'nonempty-dir']) {
    const { json } = await run(['create', '--', 'true']);
    const lock = join(root, json.job_id, '.lock');
    if (plant === 'file') writeFileSync(lock, 'garbage');
    else {
      mkdirSync(lock);
      if (plant === 'nonempty-dir') writeFileSync(join(lock, 'junk'), 'x');
      const future = new Date(Date.now() + 3600_000);
      utimesSync(lock, future, future);
    }
    const set = await run(['tag', 'set', json.job_id, '--tag', `after-${plant}`], bounded(30_000));
    assert.equal(set.json.ok, true, `${plant}: ${JSON.stringify(set.json)}`);
    assert.deepEqual(set.json.tags, [`after-${plant}`]);
    assert.equal(existsSync(lock), false, `${plant}: the lock is released`);
  }
});

test('wait --timeout is honoured while a lock blocks reconciliation', async (t) => {
  const { run, root } = withRoot(t);
  const ended = (await run(['run', '--wait', '--', 'true'])).json;
  const status = await runUntilRunning(run, ['--', 'sleep', '60']);
  const id = status.job_id;
  t.after(() => { try { process.kill(-status.pid, 'SIGKILL'); } catch { /* gone */ } });
  const supervisor = stateOf(root, id).supervisor_pid;
  process.kill(supervisor, 'SIGKILL');
  await waitFor(() => !processAlive(supervisor), { what: 'the supervisor to die' });
  // A lock that looks held (fresh mtime) and is not released while wait runs.
  mkdirSync(join(root, id, '.lock'));
  const waited = await run(['wait', '--timeout', '1s', id], bounded(30_000));
  assert.equal(waited.json.ok, true, JSON.stringify(waited.json));
  assert.equal(waited.json.wait_timed_out, true, `the wait gives up at its deadline instead of outwaiting the lock: ${JSON.stringify(waited.json)}`);
  assert.equal(waited.json.state, 'running');
  // Several jobs: the same deadline (the lock made fresh again, so it still looks held).
  utimesSync(join(root, id, '.lock'), new Date(), new Date());
  const both = await run(['wait', '--timeout', '1s', id, ended.job_id], bounded(30_000));
  assert.equal(both.json.ok, true, JSON.stringify(both.json));
  assert.equal(both.json.wait_timed_out, true, JSON.stringify(both.json));
  assert.deepEqual(both.json.pending, [id]);
});

test('a symlink planted as a log is never followed: no write outside the root, an io_error naming it', async (t) => {
  const { run, root, base } = withRoot(t);
  const outside = join(base, 'precious.txt');
  const content = 'precious data that must survive\n'.repeat(10);
  writeFileSync(outside, content);
  const { json } = await run(['create', '--max-log-bytes', '16', '--', 'sh', '-c', 'echo written-through-the-link; echo more more more more']);
  symlinkSync(outside, join(root, json.job_id, 'stdout.log'));
  // The job cannot start (its log is refused); the snapshot that would read the log says why.
  const done = await run(['start', '--wait', json.job_id], bounded(30_000));
  assert.equal(readFileSync(outside, 'utf8'), content, 'the file outside the root is untouched');
  assert.equal(done.json.error?.code, 'io_error', JSON.stringify(done.json));
  assert.match(done.json.error.message, /stdout\.log.*symbolic link/);
  const status = await run(['status', json.job_id]);
  assert.equal(status.json.state, 'failed', JSON.stringify(status.json));
  assert.equal(status.json.error.code, 'launch_failed');
  assert.match(status.json.error.message, /stdout\.log/);

  // A finished job whose log is replaced by a link: tail refuses it, naming the file.
  const ended = await run(['run', '--wait', '--', 'echo', 'own output']);
  const log = join(root, ended.json.job_id, 'stdout.log');
  rmSync(log);
  symlinkSync(outside, log);
  const tail = await run(['tail', ended.json.job_id]);
  assert.equal(tail.json.ok, false);
  assert.equal(tail.json.error.code, 'io_error');
  assert.match(tail.json.error.message, /stdout\.log/);
  assert.doesNotMatch(tail.stdout, /precious/);
});

test('a symlinked job directory is refused: delete renames nothing outside the root', async (t) => {
  const { run, root, base } = withRoot(t);
  const { json } = await run(['run', '--wait', '--', 'true']);
  await supervisorGone(root, json.job_id);
  const away = join(base, 'elsewhere');
  renameSync(join(root, json.job_id), away);
  symlinkSync(away, join(root, json.job_id));
  const deleted = await run(['delete', json.job_id]);
  assert.equal(deleted.json.ok, false);
  assert.equal(deleted.json.error.code, 'io_error');
  assert.match(deleted.json.error.message, new RegExp(json.job_id));
  assert.ok(existsSync(join(away, 'meta.json')), 'meta.json outside the root is where it was');
});

test('a FIFO in place of a log blocks neither tail, logs nor wait', async (t) => {
  const { run, root } = withRoot(t);
  const { json } = await run(['run', '--wait', '--', 'echo', 'hello']);
  await supervisorGone(root, json.job_id);
  const log = join(root, json.job_id, 'stdout.log');
  rmSync(log);
  mkfifo(log);
  for (const args of [['tail', json.job_id], ['logs', json.job_id], ['wait', '--timeout', '2s', json.job_id]]) {
    const out = await run(args, bounded(20_000));
    assert.equal(out.json.ok, false, `${args[0]}: ${out.stdout}`);
    assert.equal(out.json.error.code, 'io_error');
    assert.match(out.json.error.message, /stdout\.log.*not a regular file/);
  }
});

test('corrupt jobs are listed as corrupt with a reason, counted by stats, and removable by delete and gc', async (t) => {
  const { run, root } = withRoot(t);
  const ids = [];
  for (let i = 0; i < 4; i++) ids.push((await run(['create', '--', 'true'])).json.job_id);
  const [emptyState, garbledMeta, stateDir, healthy] = ids;
  writeFileSync(join(root, emptyState, 'state.json'), '');
  writeFileSync(join(root, garbledMeta, 'meta.json'), '{"job_id": ');
  rmSync(join(root, stateDir, 'state.json'));
  mkdirSync(join(root, stateDir, 'state.json'));
  const listed = await run(['list', '--all']);
  const byId = Object.fromEntries(listed.json.jobs.map((j) => [j.job_id, j]));
  for (const id of [emptyState, garbledMeta, stateDir]) {
    assert.equal(byId[id]?.state, 'corrupt', `${id} listed as corrupt: ${JSON.stringify(listed.json.jobs)}`);
    assert.ok(byId[id].reason.length > 0);
  }
  assert.equal(byId[healthy].state, 'created');
  const corruptOnly = await run(['list', '--all', '--state', 'corrupt']);
  assert.equal(corruptOnly.json.count, 3);
  const stats = await run(['stats']);
  assert.equal(stats.json.jobs, 4);
  assert.equal(stats.json.by_state.corrupt, 3);
  const status = await run(['status', emptyState]);
  assert.equal(status.json.ok, false);
  assert.equal(status.json.error.code, 'io_error');

  const deleted = await run(['delete', emptyState]);
  assert.equal(deleted.json.ok, true, JSON.stringify(deleted.json));
  assert.equal(deleted.json.state, 'corrupt');
  assert.equal(existsSync(join(root, emptyState)), false);

  // gc judges a corrupt job by its directory's mtime: a fresh one stays, an old one goes.
  const fresh = await run(['gc', '--older-than', '1h']);
  assert.ok(fresh.json.jobs.some((j) => j.job_id === garbledMeta && j.action === 'skipped'), JSON.stringify(fresh.json));
  const old = new Date(Date.now() - 7200_000);
  for (const id of [garbledMeta, stateDir]) utimesSync(join(root, id), old, old);
  const gc = await run(['gc', '--older-than', '1h']);
  assert.equal(gc.json.deleted, 2, JSON.stringify(gc.json));
  assert.deepEqual(gc.json.jobs.filter((j) => j.action === 'deleted').map((j) => [j.job_id, j.state]).sort(), [[garbledMeta, 'corrupt'], [stateDir, 'corrupt']].sort());
  assert.equal(existsSync(join(root, garbledMeta)), false);
  assert.equal(existsSync(join(root, stateDir)), false);
  assert.equal(existsSync(join(root, healthy)), true);
});

test('a root that is a regular file is an io_error naming it, not an empty store', async (t) => {
  const { run, base } = withRoot(t);
  const file = join(base, 'not-a-dir');
  writeFileSync(file, 'x');
  for (const args of [['list', '--all'], ['stats']]) {
    const out = await run(args, { root: file });
    assert.equal(out.json.ok, false, `${args[0]}: ${out.stdout}`);
    assert.equal(out.json.error.code, 'io_error');
    assert.match(out.json.error.message, /not-a-dir/);
  }
});
