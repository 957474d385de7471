// A supervisor whose job ended takes over the next job of its line (supervisor/chain.ts,
// dispatch.ts takeOver) instead of leaving it to a new process; a job whose supervisor died
// before spawning its process is started again (job/reconcile.ts), never lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { withRoot, waitFor, processAlive, maxOverlap } from '../helpers/jobctl.mjs';

const stateOf = (root, id) => JSON.parse(readFileSync(join(root, id, 'state.json'), 'utf8'));
const lines = (path) => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : []);

function writeConfig(base, text) {
  const path = join(base, 'config.toml');
  writeFileSync(path, text);
  return path;
}

test('jobs of a line run one after another in supervisors that take the next one over: FIFO, each once, the limit kept', async (t) => {
  const { base, root, run } = withRoot(t);
  const config = writeConfig(base, '[queues.one]\nmax_concurrent = 1\n');
  const marks = join(base, 'marks');
  const jobsFile = join(base, 'jobs.ndjson');
  const n = 8;
  writeFileSync(jobsFile, Array.from({ length: n }, (_, i) => JSON.stringify({ command: ['sh', '-c', 'echo "$1" >> "$2"', 'sh', String(i), marks], queue: 'one', tags: ['chain'] })).join('\n') + '\n');
  const ids = (await run(['submit', jobsFile], { config })).json.jobs.map((j) => j.job_id);
  const done = (await run(['wait', '--tag', 'chain', '--timeout', '120s'], { config })).json;
  assert.equal(done.wait_timed_out, false);
  const states = ids.map((id) => stateOf(root, id));
  states.forEach((s, i) => assert.deepEqual([s.state, s.exit_code], ['exited', 0], `job ${i}`));
  assert.deepEqual(lines(marks), ids.map((_, i) => String(i)), 'in submission order, each once');
  assert.equal(maxOverlap(states), 1, 'never two at once');
  const supervisors = new Set(states.map((s) => s.supervisor_pid));
  assert.ok(supervisors.size < n, `some job was taken over by its predecessor's supervisor (${supervisors.size} supervisors for ${n} jobs)`);
  // Each job's supervisor diagnostics go to its own supervisor.log: none names another job.
  for (const id of ids) {
    const log = readFileSync(join(root, id, 'supervisor.log'), 'utf8');
    for (const other of ids) if (other !== id) assert.ok(!log.includes(other), `supervisor.log of ${id} names ${other}`);
  }
});

test('a stop signal to a supervisor running a job it took over stops that job, recorded as such', async (t) => {
  const { base, root, run } = withRoot(t);
  const config = writeConfig(base, '[queues.one]\nmax_concurrent = 1\n');
  const jobsFile = join(base, 'jobs.ndjson');
  writeFileSync(jobsFile, [JSON.stringify({ command: ['true'], queue: 'one' }), JSON.stringify({ command: ['sleep', '300'], queue: 'one' })].join('\n') + '\n');
  const [a, b] = (await run(['submit', jobsFile], { config })).json.jobs.map((j) => j.job_id);
  await waitFor(() => stateOf(root, b).state === 'running', { what: 'B to run', timeoutMs: 60_000 });
  const supervisor = stateOf(root, b).supervisor_pid;
  t.diagnostic(`A's supervisor ${stateOf(root, a).supervisor_pid}, B's ${supervisor}`);
  process.kill(supervisor, 'SIGTERM');
  const ended = (await run(['wait', b, '--timeout', '60s'], { config })).json;
  assert.equal(ended.state, 'killed');
  assert.equal(stateOf(root, b).kill_reason, 'supervisor_signal');
  await waitFor(() => !processAlive(supervisor), { what: 'the supervisor to exit' });
});

test('a job whose supervisor died before spawning its process gets a new supervisor and runs once', async (t) => {
  const { base, root, run } = withRoot(t);
  const marks = join(base, 'marks');
  const id = (await run(['create', '--', 'sh', '-c', 'echo ran >> "$1"', 'sh', marks])).json.job_id;
  // The state a supervisor leaves when it is SIGKILLed between taking the job and spawning its
  // process: queued, owned by a process that is gone, no pid, no log of the attempt.
  const dead = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8')) - 1;
  const created = stateOf(root, id);
  const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  writeFileSync(join(root, id, 'state.json'), JSON.stringify({ ...created, state: 'queued', queued_at: new Date().toISOString(), updated_at: new Date().toISOString(), supervisor_pid: dead, supervisor_start_time: '1', boot_id: bootId }) + '\n');
  const ended = (await run(['wait', id, '--timeout', '60s'])).json;
  assert.deepEqual([ended.state, ended.exit_code], ['exited', 0]);
  assert.deepEqual(lines(marks), ['ran']);
  assert.equal(stateOf(root, id).reattach_count, 1);
});
