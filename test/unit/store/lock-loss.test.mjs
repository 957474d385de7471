// The job lock and the state write (store/lock.ts, store/state-file.ts, job/apply.ts) with real
// processes: a holder that stalls past the stale period loses its lock to another command and
// must not write after it; a job deleted while a caller waits for its lock is job_not_found; a
// kill of a queued job and its start race with exactly one winner.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, openSync, writeSync, closeSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyTransition } from '../../../dist/lib/job/apply.js';
import { readState } from '../../../dist/lib/store/jobs.js';
import { bootId, processStartTime } from '../../../dist/lib/util/proc.js';
import { makeJob, putState, tempRoot } from '../../helpers/unit-store.mjs';
import { jobctl, waitFor } from '../../helpers/jobctl.mjs';

const { root, cleanup } = tempRoot('jobctl-lock-loss-');
after(cleanup);
const dist = (rel) => fileURLToPath(new URL(`../../../dist/lib/${rel}`, import.meta.url));

// A holder that applies `start` and, inside the lock, blocks its whole event loop reading a FIFO.
const HOLDER = `
import { readFileSync } from 'node:fs';
const { applyTransition } = await import(process.argv[1]);
const { start } = await import(process.argv[2]);
const [dir, fifo] = process.argv.slice(3);
try {
  const s = await applyTransition(dir, (cur) => { readFileSync(fifo); return start(cur, { startedAt: new Date().toISOString(), pid: 999999 }); });
  console.log(JSON.stringify({ state: s.state }));
} catch (err) {
  console.log(JSON.stringify({ error: err.message, code: err.code }));
}
`;

test('a holder stalled past the stale period loses its lock to kill, and never writes over the kill', async () => {
  const { id, dir } = makeJob(root);
  const fifo = join(root, `${id}.fifo`);
  execFileSync('mkfifo', [fifo]);
  const holder = spawn(process.execPath, ['--input-type=module', '-e', HOLDER, dist('job/apply.js'), dist('job/transitions.js'), dir, fifo], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  holder.stdout.on('data', (d) => { out += d; });
  const now = new Date().toISOString();
  // The holder is the job's (live) supervisor, so kill does not take the job for lost.
  putState(dir, { state: 'queued', updated_at: now, queued_at: now, supervisor_pid: holder.pid, supervisor_start_time: processStartTime(holder.pid), boot_id: bootId() });
  await waitFor(() => existsSync(join(dir, '.lock')), { what: 'the holder to take the lock' });
  const killed = await jobctl(['kill', id], { root });
  assert.equal(killed.json.state, 'killed', JSON.stringify(killed.json));
  // The holder wakes up with its decision made against a state that is no longer on disk.
  const fd = openSync(fifo, 'w');
  writeSync(fd, 'go\n');
  closeSync(fd);
  await once(holder, 'close');
  const answer = JSON.parse(out.trim());
  assert.equal(answer.state, 'killed', `the holder sees the kill, not its own write: ${out}`);
  assert.equal(readState(dir).state, 'killed');
  assert.equal(readState(dir).pid, undefined, 'no process was recorded for a killed job');
});

test('a job deleted while a caller waits for its lock is job_not_found, not io_error', async () => {
  const { dir } = makeJob(root);
  // A lock that looks held: the caller waits for it.
  mkdirSync(join(dir, '.lock'));
  const pending = applyTransition(dir, () => undefined).then(() => undefined, (err) => err);
  rmSync(dir, { recursive: true, force: true });
  const err = await pending;
  assert.ok(err, 'the transition fails');
  assert.equal(err.code, 'job_not_found', `${err.code}: ${err.message}`);
});

test('a kill of a queued job and a supervisor starting it race safely: exactly one of them wins, both see it', async () => {
  const { killQueued, start } = await import('../../../dist/lib/job/transitions.js');
  for (let i = 0; i < 20; i++) {
    const { dir } = makeJob(root);
    const now = new Date().toISOString();
    putState(dir, { state: 'queued', updated_at: now, queued_at: now });
    const calls = [
      applyTransition(dir, (cur) => killQueued(cur, 'SIGTERM', new Date().toISOString())),
      applyTransition(dir, (cur) => start(cur, { startedAt: new Date().toISOString(), pid: 999999 })),
    ];
    if (i % 2 === 1) calls.reverse();
    const answers = await Promise.all(calls);
    const final = readState(dir);
    assert.ok(final.state === 'killed' || final.state === 'running', final.state);
    // Whoever lost saw the winner's state, not its own.
    for (const answer of answers) assert.equal(answer.state, final.state);
    assert.equal(final.pid === undefined, final.state === 'killed', 'a pid is recorded only for the start that won');
  }
});
