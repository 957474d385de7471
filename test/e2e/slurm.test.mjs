// Jobs on a real one-node Slurm cluster (test/helpers/slurm.mjs): submitted with sbatch,
// followed with squeue/scontrol/sacct -c, signalled with scancel, output copied from the spool
// files by byte offset. One cluster serves the whole file; each test has its own job root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { withRoot, waitFor, processAlive, assertMatchesSchema } from '../helpers/jobctl.mjs';
import { need } from '../helpers/infra.mjs';
import { startSlurm } from '../helpers/slurm.mjs';
import { assertPromptDelivered, assertRemoteResources, modeOf, runAgentJob, trickyPrompt } from '../helpers/remote-agent.mjs';

const SECRET = 'sk-slurm-5d1e9a7c3f';

let started;
/** The file's cluster, started by the first test that needs it; undefined: the test is skipped. */
async function cluster(t) {
  if (started === undefined) {
    // The first test's skip message (what is missing) is repeated by the others.
    let reason = 'the cluster could not be started';
    const first = new Proxy(t, {
      get(target, prop) {
        if (prop === 'skip') return (message) => { reason = String(message).replace(/^slurm missing: /, ''); target.skip(message); };
        const value = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    started = startSlurm(first).then((slurm) => ({ slurm, first: t, reason: () => reason }));
  }
  const { slurm, first, reason } = await started;
  if (slurm === undefined && first !== t) need(t, 'slurm', false, reason());
  return slurm;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** A config with executors on the cluster; `down` is the same cluster at a port nobody listens on. */
async function setup(t) {
  const slurm = await cluster(t);
  if (!slurm) return undefined;
  const { base, root, run } = withRoot(t);
  const downConf = join(base, 'down.conf');
  const conf = readFileSync(slurm.confFile, 'utf8').replace(/^SlurmctldPort=\d+$/m, `SlurmctldPort=${await freePort()}`);
  writeFileSync(downConf, `${conf}MessageTimeout=2\n`);
  const config = join(base, 'config.toml');
  writeFileSync(config, [
    '[executors.cluster]', 'type = "slurm"', `partition = "${slurm.partition}"`, '',
    '[executors.held]', 'type = "slurm"', `partition = "${slurm.partition}"`, 'sbatch_args = ["--hold"]', '',
    '[executors.nowhere]', 'type = "slurm"', 'partition = "no-such-partition"', '',
    '[executors.down]', 'type = "slurm"', `partition = "${slurm.partition}"`, `env = { SLURM_CONF = "${downConf}" }`, '',
  ].join('\n'));
  const env = { ...slurm.env };
  // A job starts in the caller's directory: the test's own, not the checkout, so that where the
  // clone lives (and who may enter it) stays out of the cluster's way.
  const jc = (args, opts = {}) => run(args, { config, cwd: base, env: { ...env, ...(opts.env ?? {}) } });
  const slurmCli = (file, args) => execFileSync(file, args, { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30_000 });
  return { slurm, base, root, run: jc, slurmCli };
}

const status = async (run, id) => (await run(['status', id])).json;
const readLines = (path) => {
  try {
    return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  } catch {
    return [];
  }
};

test('exit codes and exact output come home; status names the Slurm job; limits reach sbatch', async (t) => {
  const c = await setup(t);
  if (!c) return;
  const { run, slurmCli, base } = c;
  const ok = await run(['run', '--executor', 'cluster', '--wait', '--', 'sh', '-c', 'printf "one\\ntwo\\n"; printf "warn\\n" >&2']);
  assert.equal(ok.json.state, 'exited');
  assert.equal(ok.json.exit_code, 0);
  assert.equal(ok.json.stdout_tail, 'one\ntwo\n');
  assert.equal(ok.json.stderr_tail, 'warn\n');

  const workdir = join(base, 'work dir');
  mkdirSync(workdir);
  const three = await run(['run', '--executor', 'cluster', '--wait', '--cwd', workdir, '--cpu-limit', '0.5', '--memory-limit', '64M', '--timeout', '90s',
    '--', 'sh', '-c', 'pwd; echo "it\'s" "$1" >&2; exit 3', 'sh', 'a  b']);
  assert.equal(three.json.state, 'exited');
  assert.equal(three.json.exit_code, 3);
  assert.equal(three.json.stdout_tail, `${workdir}\n`);
  assert.equal(three.json.stderr_tail, "it's a  b\n");

  const st = await status(run, three.json.job_id);
  assert.match(st.remote.slurm_job_id, /^\d+$/);
  const shown = slurmCli('scontrol', ['show', 'job', '-o', st.remote.slurm_job_id]);
  assert.match(shown, new RegExp(`JobName=jobctl-${three.json.job_id} `));
  assert.match(shown, / TimeLimit=00:02:00 /, '90s is rounded up to whole minutes');
  assert.match(shown, / MinMemoryNode=64M /);
  assert.match(shown, / CPUs\/Task=1 /, 'a fraction of a CPU is rounded up');
  assert.match(shown, / ExitCode=3:0 /);
});

test('a job Slurm holds stays queued; kill cancels it', async (t) => {
  const c = await setup(t);
  if (!c) return;
  const { run, slurmCli } = c;
  const { json } = await run(['run', '--executor', 'held', '--snapshot-after', '0', '--', 'sh', '-c', 'echo never']);
  const queued = await waitFor(async () => {
    const st = await status(run, json.job_id);
    return st.remote?.slurm_job_id !== undefined && st.state === 'queued' ? st : undefined;
  }, { what: 'the Slurm job id' });
  const jobId = queued.remote.slurm_job_id;
  assert.equal(slurmCli('squeue', ['-h', '-j', jobId, '-o', '%T']).trim(), 'PENDING');
  // The supervisor has seen it pending for a few polls and still calls it queued.
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal((await status(run, json.job_id)).state, 'queued');

  const killed = await run(['kill', json.job_id]);
  assert.equal(killed.json.state, 'killed');
  assert.equal(killed.json.job.signal, 'SIGTERM');
  assert.equal(slurmCli('squeue', ['-h', '-t', 'all', '-j', jobId, '-o', '%T']).trim(), 'CANCELLED');
  assert.equal((await run(['tail', json.job_id])).json.stdout_tail, '');
});

test('kill of a running job ends its whole process tree: killed by SIGTERM', async (t) => {
  const c = await setup(t);
  if (!c) return;
  const { run, base } = c;
  const pids = join(base, 'pids');
  const { json } = await run(['run', '--executor', 'cluster', '--snapshot-after', '0', '--', 'sh', '-c', `sleep 300 & echo $! > '${pids}'; echo started; wait`]);
  await waitFor(async () => (await run(['tail', json.job_id])).json.stdout_tail === 'started\n', { timeoutMs: 30_000, what: 'the job to start' });
  const sleeper = Number(readFileSync(pids, 'utf8'));
  assert.ok(processAlive(sleeper));
  const st = await status(run, json.job_id);
  assert.equal(st.state, 'running');
  assert.match(st.started_at, /Z$/);
  const killed = await run(['kill', json.job_id]);
  assert.equal(killed.json.state, 'killed');
  assert.equal(killed.json.job.signal, 'SIGTERM');
  assert.equal(killed.json.job.timed_out, false);
  await waitFor(() => !processAlive(sleeper), { what: 'the grandchild to exit' });
});

test('kill --signal delivers that signal to the batch shell and its children', async (t) => {
  const c = await setup(t);
  if (!c) return;
  const { run } = c;
  const { json } = await run(['run', '--executor', 'cluster', '--snapshot-after', '0',
    '--', 'sh', '-c', 'trap "echo got-usr1; exit 0" USR1; echo ready; while :; do sleep 0.1; done']);
  await waitFor(async () => (await run(['tail', json.job_id])).json.stdout_tail === 'ready\n', { timeoutMs: 30_000, what: 'the trap to be set' });
  const killed = await run(['kill', '--signal', 'USR1', json.job_id]);
  assert.equal(killed.json.signal, 'SIGUSR1');
  assert.equal(killed.json.state, 'exited', 'the trap ran and the job exited by itself');
  assert.equal(killed.json.job.exit_code, 0);
  assert.equal((await run(['tail', json.job_id])).json.stdout_tail, 'ready\ngot-usr1\n');
});

test('an output match fires on output copied from the cluster', async (t) => {
  const c = await setup(t);
  if (!c) return;
  const { run, root, base } = c;
  const events = join(base, 'matches.ndjson');
  const { json } = await run(['run', '--executor', 'cluster', '--wait', '--output-pattern', 'READY', '--output-file', events,
    '--', 'sh', '-c', 'echo booting; echo "READY at last"; echo done']);
  assert.equal(json.state, 'exited');
  await waitFor(() => readLines(join(root, json.job_id, 'notification_events.ndjson')).length === 1, { what: 'the match event' });
  const lines = readLines(events);
  assert.deepEqual(lines.map((e) => [e.stream, e.line]), [['stdout', 'READY at last']]);
  lines.forEach((e) => assertMatchesSchema('job.output.matched', e));
});

test('a masked variable reaches the job but no argv, batch script or JSON output', async (t) => {
  const c = await setup(t);
  if (!c) return;
  const { run, root } = c;
  const { json } = await run(['run', '--executor', 'cluster', '--snapshot-after', '0', '--env', 'API_TOKEN', '--mask', 'API_TOKEN', '--env', 'PLAIN=visible',
    '--', 'sh', '-c', 'echo "token=$API_TOKEN plain=$PLAIN"; sleep 2'],
  { env: { API_TOKEN: SECRET } });
  await waitFor(async () => (await run(['tail', json.job_id])).json.stdout_total_bytes > 0, { timeoutMs: 30_000, what: 'output' });
  const argvs = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map((p) => {
    try { return readFileSync(`/proc/${p}/cmdline`, 'utf8'); } catch { return ''; }
  });
  assert.ok(!argvs.some((a) => a.includes(SECRET)), 'the secret is in some process argv');
  const done = await run(['wait', '--timeout', '60s', json.job_id]);
  assert.equal(done.json.state, 'exited');
  assert.equal(done.json.stdout_tail, 'token=*** plain=visible\n');
  const outputs = [json, done.json, await status(run, json.job_id), (await run(['tail', json.job_id])).json];
  for (const out of outputs) assert.ok(!JSON.stringify(out).includes(SECRET), `secret printed by ${out.type}`);
  const dir = join(root, json.job_id);
  assert.ok(!readFileSync(join(dir, 'meta.json'), 'utf8').includes(SECRET));
  assert.ok(!readFileSync(join(dir, 'spool', 'job.sh'), 'utf8').includes(SECRET));
  // The job did see the real value (it printed it; the log holds it, 0600 in a 0700 directory).
  assert.match(readFileSync(join(dir, 'stdout.log'), 'utf8'), new RegExp(`token=${SECRET} `));
});

test('an unknown partition fails the job at once with Slurm\'s reason', async (t) => {
  const c = await setup(t);
  if (!c) return;
  const { json } = await c.run(['run', '--executor', 'nowhere', '--wait', '--', 'true']);
  assert.equal(json.state, 'failed');
  assert.equal(json.error.code, 'launch_failed');
  assert.match(json.error.message, /partition/i);
});

test('an unreachable slurmctld fails the submission (executor_unavailable) without hanging', async (t) => {
  const c = await setup(t);
  if (!c) return;
  const t0 = Date.now();
  const { json } = await c.run(['run', '--executor', 'down', '--wait', '--', 'true']);
  assert.equal(json.state, 'failed');
  assert.equal(json.error.code, 'executor_unavailable');
  assert.match(json.error.message, /Unable to contact slurm controller/);
  assert.ok(Date.now() - t0 < 30_000, `took ${Date.now() - t0} ms`);
});

test('a supervisor killed mid-job is replaced by wait: every byte arrives exactly once', async (t) => {
  const c = await setup(t);
  if (!c) return;
  const { run, root } = c;
  const line = (i) => `line ${i} ${'x'.repeat(1000)}\n`;
  const expected = Array.from({ length: 40 }, (_, i) => line(i)).join('');
  const script = `i=0; while [ $i -lt 40 ]; do printf 'line %d %s\\n' $i "$(printf '%1000s' '' | tr ' ' x)"; i=$((i+1)); sleep 0.1; done`;
  const { json } = await run(['run', '--executor', 'cluster', '--snapshot-after', '0', '--', 'sh', '-c', script]);
  const st = await waitFor(async () => {
    const s = await status(run, json.job_id);
    return s.state === 'running' && (await run(['tail', json.job_id])).json.stdout_total_bytes > 0 ? s : undefined;
  }, { timeoutMs: 30_000, what: 'output to arrive' });
  process.kill(st.supervisor_pid, 'SIGKILL');
  await waitFor(() => !processAlive(st.supervisor_pid), { what: 'the supervisor to die' });
  const done = await run(['wait', '--timeout', '60s', json.job_id]);
  assert.equal(done.json.state, 'exited');
  assert.equal(done.json.exit_code, 0);
  const state = JSON.parse(readFileSync(join(root, json.job_id, 'state.json'), 'utf8'));
  assert.ok(state.reattach_count >= 1, 'a new supervisor was attached');
  assert.ok(readFileSync(join(root, json.job_id, 'stdout.log'), 'utf8') === expected, 'stdout.log differs from what the job printed');
});

test('a supervisor that died mid-submit: its successor finds the job by name, or fails it', async (t) => {
  const c = await setup(t);
  if (!c) return;
  const { run, root, slurmCli } = c;
  /** A job as a supervisor leaves it when it dies between recording the hand-over and sbatch's answer. */
  const diedSubmitting = async (submit) => {
    const { json } = await run(['create', '--executor', 'cluster', '--', 'sh', '-c', 'echo submitted']);
    const dir = join(root, json.job_id);
    if (submit) {
      const spool = join(dir, 'spool');
      mkdirSync(spool, { mode: 0o700 });
      writeFileSync(join(spool, 'job.sh'), '#!/bin/sh\necho submitted\n');
      slurmCli('sbatch', ['--parsable', '--job-name', `jobctl-${json.job_id}`, '--output', join(spool, 'stdout'), '--error', join(spool, 'stderr'), join(spool, 'job.sh')]);
    }
    const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'));
    writeFileSync(join(dir, 'state.json'), JSON.stringify({ ...state, state: 'queued', queued_at: state.updated_at, supervisor_pid: 2 ** 22 - 7, supervisor_start_time: '1', remote: { submitting: true } }));
    return json.job_id;
  };
  const found = await run(['wait', '--timeout', '60s', await diedSubmitting(true)]);
  assert.equal(found.json.state, 'exited');
  assert.equal(found.json.stdout_tail, 'submitted\n');
  assert.match((await status(run, found.json.job_id)).remote.slurm_job_id, /^\d+$/);
  const missing = await run(['wait', '--timeout', '60s', await diedSubmitting(false)]);
  assert.equal(missing.json.state, 'failed');
  assert.equal(missing.json.error.code, 'launch_failed');
});

test('--timeout is enforced by the supervisor below Slurm\'s minute granularity', async (t) => {
  const c = await setup(t);
  if (!c) return;
  const t0 = Date.now();
  const { json } = await c.run(['run', '--executor', 'cluster', '--wait', '--timeout', '1s', '--', 'sh', '-c', 'echo start; sleep 300']);
  assert.equal(json.state, 'killed');
  assert.equal(json.timed_out, true);
  assert.equal(json.signal, 'SIGTERM');
  assert.equal(json.stdout_tail, 'start\n');
  assert.ok(Date.now() - t0 < 20_000, `took ${Date.now() - t0} ms`);
});

test('an agent job reads its prompt on stdin from a private copy in the spool; the prompt is in no command line', async (t) => {
  const c = await setup(t);
  if (!c) return;
  const tricky = trickyPrompt();
  const job = await runAgentJob(c.run, c.root, 'cluster', tricky);
  assertPromptDelivered(job, tricky);
  assert.equal(modeOf(join(job.dir, 'spool')), 0o700);
  assert.equal(modeOf(join(job.dir, 'spool', 'prompt')), 0o600);
  assert.ok(!readFileSync(join(job.dir, 'spool', 'job.sh'), 'utf8').includes(tricky.marker));
});

test('status shows the job\'s resources from sstat, sampled by the supervisor', async (t) => {
  const c = await setup(t);
  if (!c) return;
  await assertRemoteResources(c.run, 'cluster', 'slurm');
});
