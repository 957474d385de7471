// Jobs on an SSH host: a real sshd on loopback with a test user and key (test/helpers/sshd.mjs).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { withRoot, waitFor, processAlive, assertMatchesSchema, supervisorGone } from '../helpers/jobctl.mjs';
import { startSshd, sshRun } from '../helpers/sshd.mjs';
import { assertPromptDelivered, assertRemoteResources, runAgentJob, trickyPrompt } from '../helpers/remote-agent.mjs';

let sshd;
before(async (t) => {
  sshd = await startSshd(t);
});

function executorConfig(fixture, extra = '') {
  return `[executors.crib]
type = "ssh"
host = "${fixture.host}"
port = ${fixture.port}
user = "${fixture.user}"
identity_file = "${fixture.identityFile}"
known_hosts = "${fixture.knownHostsFile}"
labels = ["rust"]
env = { FROM_EXECUTOR = "exec-env" }
${extra}`;
}

function setup(t, extra) {
  if (sshd === undefined) {
    t.skip('ssh missing (see the before hook)');
    return undefined;
  }
  const ctx = withRoot(t);
  const config = join(ctx.base, 'config.toml');
  writeFileSync(config, executorConfig(sshd, extra));
  const run = (args, opts = {}) => ctx.run(args, { config, ...opts });
  return { ...ctx, config, run };
}

const remoteDirOf = async (run, id) => (await run(['status', id])).json.remote?.remote_dir;

test('ssh: exit code, exact stdout/stderr bytes, env and remote identity', async (t) => {
  const s = setup(t);
  if (!s) return;
  const script = 'printf "out 1\\nout 2\\n"; printf "err\\n" >&2; printf "%s|%s|%s" "$FROM_EXECUTOR" "$FROM_JOB" "$(id -un)"; exit 3';
  const { json } = await s.run(['run', '--executor', 'crib', '--env', 'FROM_JOB=job-env', '--wait', '--', 'sh', '-c', script]);
  assertMatchesSchema('run', json);
  assert.equal(json.state, 'exited');
  assert.equal(json.exit_code, 3);
  assert.equal(readFileSync(json.stdout_log_path, 'utf8'), `out 1\nout 2\nexec-env|job-env|${sshd.user}`);
  assert.equal(readFileSync(json.stderr_log_path, 'utf8'), 'err\n');
  const status = (await s.run(['status', json.job_id])).json;
  assertMatchesSchema('status', status);
  assert.equal(status.executor, 'crib');
  assert.equal(status.remote.host, sshd.host);
  assert.ok(Number.isInteger(status.remote.remote_pid));
  assert.match(status.remote.remote_dir, new RegExp(`/\\.cache/jobctl/jobs/${json.job_id}$`));
  // The remote job directory is private to the remote user.
  assert.equal((await sshRun(sshd, `stat -c %a ${status.remote.remote_dir}`)).trim(), '700');
  // A remote job's cwd is the caller's directory; it ran in the remote home by default.
  assert.equal(status.cwd, process.cwd());
  const listed = (await s.run(['list', '--all', '--executor', 'crib'])).json;
  assert.deepEqual(listed.jobs.map((j) => j.job_id), [json.job_id]);
});

test('ssh: the command travels as a file; masked values never appear in any command line', async (t) => {
  const s = setup(t);
  if (!s) return;
  const secret = 'hunter2-' + Date.now();
  const tricky = `it's "quoted" $HOME \`x\` \\ ; done`;
  const { json } = await s.run(['run', '--executor', 'crib', '--env', `SECRET=${secret}`, '--mask', 'SECRET', '--snapshot-after', '0', '--',
    'sh', '-c', 'printf "%s\\n" "$1"; echo "secret length ${#SECRET}"; sleep 2', 'sh', tricky]);
  // While it runs, no process on this machine (ssh clients, sshd, the remote shell) shows it.
  const psSeen = await waitFor(() => {
    const ps = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
    return ps.includes(`jobctl/jobs/${json.job_id}`) ? ps : undefined;
  }, { what: 'the remote job to show up in ps' });
  void psSeen;
  const during = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
  assert.ok(!during.includes('hunter2-'), 'the secret is in no argv');
  const done = (await s.run(['wait', json.job_id])).json;
  assert.equal(done.exit_code, 0);
  assert.equal(readFileSync(done.stdout_log_path, 'utf8'), `${tricky}\nsecret length ${secret.length}\n`);
  assert.ok(!JSON.stringify(done).includes(secret));
  assert.ok(!readFileSync(join(s.root, json.job_id, 'meta.json'), 'utf8').includes(secret));
});

test('ssh: the job environment cannot break the wrapper; inherited masked values are sent', async (t) => {
  const s = setup(t);
  if (!s) return;
  // Variables the wrapper itself uses, and a PATH without the tools it needs.
  const { json } = await s.run(['run', '--executor', 'crib', '--env', 'd=/tmp', '--env', 'rc=0', '--env', 'PATH=/nonexistent', '--env', 'TOKEN', '--mask', 'TOKEN', '--wait', '--',
    '/bin/sh', '-c', 'echo "d=$d len=${#TOKEN}"; exit 3'], { env: { TOKEN: 'inherited-secret' } });
  assert.equal(json.state, 'exited', JSON.stringify(json));
  assert.equal(json.exit_code, 3);
  assert.equal(readFileSync(json.stdout_log_path, 'utf8'), 'd=/tmp len=16\n');
  assert.ok(!JSON.stringify(json).includes('inherited-secret'));
});

test('ssh: a re-attached supervisor does not need the env file any more', async (t) => {
  const s = setup(t);
  if (!s) return;
  const envFile = join(s.base, 'job.env');
  writeFileSync(envFile, 'GREETING=hello\n');
  const { json } = await s.run(['run', '--executor', 'crib', '--env-file', envFile, '--snapshot-after', '0', '--', 'sh', '-c', 'sleep 1; echo "$GREETING"']);
  const running = await waitFor(async () => {
    const st = (await s.run(['status', json.job_id])).json;
    return st.state === 'running' && st.supervisor_pid ? st : undefined;
  }, { what: 'the job to run' });
  writeFileSync(envFile, ''); // changed after the start: must not matter
  process.kill(running.supervisor_pid, 'SIGKILL');
  await waitFor(() => !processAlive(running.supervisor_pid), { what: 'the supervisor to die' });
  const done = (await s.run(['wait', json.job_id, '--timeout', '60s'])).json;
  assert.equal(done.state, 'exited', JSON.stringify(done));
  assert.equal(readFileSync(done.stdout_log_path, 'utf8'), 'hello\n');
});

test('ssh: run returns at once while the remote job runs; kill signals its process group', async (t) => {
  const s = setup(t);
  if (!s) return;
  const { json } = await s.run(['run', '--executor', 'crib', '--snapshot-after', '0', '--', 'sh', '-c', 'sleep 300 & sleep 300; wait']);
  assert.ok(['queued', 'running'].includes(json.state));
  const status = await waitFor(async () => {
    const st = (await s.run(['status', json.job_id])).json;
    return st.state === 'running' ? st : undefined;
  }, { what: 'the job to run' });
  const pgid = status.remote.remote_pid;
  // Same machine: the remote group's processes are visible here.
  const members = () => execFileSync('ps', ['-eo', 'pgid=,pid='], { encoding: 'utf8' }).split('\n').map((l) => l.trim().split(/\s+/).map(Number)).filter(([g]) => g === pgid);
  assert.ok(members().length >= 3, 'leader, shell and two sleeps');
  const killed = (await s.run(['kill', json.job_id])).json;
  assertMatchesSchema('kill', killed);
  assert.equal(killed.state, 'killed');
  assert.equal(killed.job.signal, 'SIGTERM');
  await waitFor(() => members().every(([, pid]) => !processAlive(pid)), { what: 'the remote process group to end' });
});

test('ssh: SIGTERM to the supervisor kills the remote job through the executor; recorded killed, never lost', async (t) => {
  const s = setup(t);
  if (!s) return;
  const { json } = await s.run(['run', '--executor', 'crib', '--snapshot-after', '0', '--', 'sleep', '300']);
  const status = await waitFor(async () => {
    const st = (await s.run(['status', json.job_id])).json;
    return st.state === 'running' ? st : undefined;
  }, { what: 'the job to run' });
  process.kill(status.supervisor_pid, 'SIGTERM');
  await waitFor(() => !processAlive(status.supervisor_pid), { what: 'the supervisor to exit', timeoutMs: 30000 });
  const ended = (await s.run(['status', json.job_id])).json;
  assert.equal(ended.state, 'killed', JSON.stringify(ended));
  assert.equal(ended.kill_reason, 'supervisor_signal');
  assert.ok(!processAlive(status.remote.remote_pid), 'the remote job is gone');
});

test('ssh: the timeout is enforced on the host', async (t) => {
  const s = setup(t);
  if (!s) return;
  const { json } = await s.run(['run', '--executor', 'crib', '--timeout', '1s', '--wait', '--', 'sleep', '60']);
  assert.equal(json.state, 'killed');
  assert.equal(json.signal, 'SIGTERM');
  assert.equal(json.timed_out, true);
  const remoteDir = await remoteDirOf(s.run, json.job_id);
  assert.equal((await sshRun(sshd, `test -e ${remoteDir}/timed_out && echo yes`)).trim(), 'yes');
});

test('ssh: output match fires once for a line printed on the host', async (t) => {
  const s = setup(t);
  if (!s) return;
  const file = join(s.base, 'matches.ndjson');
  const { json } = await s.run(['run', '--executor', 'crib', '--output-pattern', 'READY', '--output-file', file, '--wait', '--',
    'sh', '-c', 'echo booting; echo "server READY on 8080"; echo done']);
  assert.equal(json.exit_code, 0);
  // The match is delivered by the supervisor, which may still be at it when the end is recorded.
  await supervisorGone(s.root, json.job_id);
  const events = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(events.length, 1);
  assert.equal(events[0].line, 'server READY on 8080');
  assertMatchesSchema('job.output.matched', events[0]);
});

test('ssh: a supervisor killed mid-job is replaced; the log is byte-identical', async (t) => {
  const s = setup(t);
  if (!s) return;
  const { json } = await s.run(['run', '--executor', 'crib', '--snapshot-after', '0', '--',
    'sh', '-c', 'i=0; while [ $i -lt 40 ]; do i=$((i+1)); echo "line $i"; sleep 0.05; done; printf tail']);
  const running = await waitFor(async () => {
    const st = (await s.run(['status', json.job_id])).json;
    return st.state === 'running' && st.supervisor_pid && readFileSync(join(s.root, json.job_id, 'stdout.log'), 'utf8').includes('line 3\n') ? st : undefined;
  }, { what: 'output to arrive' });
  process.kill(running.supervisor_pid, 'SIGKILL');
  await waitFor(() => !processAlive(running.supervisor_pid), { what: 'the supervisor to die' });
  const done = (await s.run(['wait', json.job_id, '--timeout', '60s'])).json;
  assert.equal(done.state, 'exited');
  assert.equal(done.exit_code, 0);
  const expected = Array.from({ length: 40 }, (_, i) => `line ${i + 1}\n`).join('') + 'tail';
  assert.equal(readFileSync(done.stdout_log_path, 'utf8'), expected);
  const state = JSON.parse(readFileSync(join(s.root, json.job_id, 'state.json'), 'utf8'));
  assert.equal(state.reattach_count, 1);
  assert.notEqual(state.supervisor_pid, running.supervisor_pid);
});

test('ssh: a wrong key fails the job with the reason; delete removes the remote directory', async (t) => {
  const s = setup(t);
  if (!s) return;
  const bad = join(s.base, 'bad.toml');
  writeFileSync(bad, executorConfig(sshd).replace(`identity_file = "${sshd.identityFile}"`, `identity_file = "${join(s.base, 'no-such-key')}"`));
  const failed = (await s.run(['run', '--executor', 'crib', '--wait', '--', 'true'], { config: bad })).json;
  assert.equal(failed.state, 'failed');
  assert.equal(failed.error.code, 'launch_failed');
  assert.match(failed.error.message, /Permission denied/);

  const { json } = await s.run(['run', '--executor', 'crib', '--wait', '--', 'true']);
  const remoteDir = await remoteDirOf(s.run, json.job_id);
  assert.equal((await sshRun(sshd, `test -d ${remoteDir} && echo present`)).trim(), 'present');
  const deleted = (await s.run(['delete', json.job_id])).json;
  assertMatchesSchema('delete', deleted);
  assert.deepEqual(deleted.remote_cleanup, { ok: true });
  assert.equal((await sshRun(sshd, `test -d ${remoteDir} && echo present || echo gone`)).trim(), 'gone');
  assert.ok(!existsSync(join(s.root, json.job_id)));
});

test('ssh: executors --probe does a real round trip', async (t) => {
  const s = setup(t);
  if (!s) return;
  const { json } = await s.run(['executors', '--probe']);
  assertMatchesSchema('executors', json);
  const crib = json.executors.find((e) => e.name === 'crib');
  assert.equal(crib.available, true, crib.reason);
});

test('ssh: an agent job reads its prompt on stdin, byte for byte; the prompt is in no command line', async (t) => {
  const s = setup(t);
  if (!s) return;
  const tricky = trickyPrompt();
  const job = await runAgentJob(s.run, s.root, 'crib', tricky);
  assertPromptDelivered(job, tricky);
  // On the host: a private copy in the private job directory.
  const remoteDir = await remoteDirOf(s.run, job.done.job_id);
  assert.equal((await sshRun(sshd, `stat -c %a ${remoteDir} ${remoteDir}/prompt`)).trim(), '700\n600');
  // A job without a prompt still reads /dev/null.
  const plain = (await s.run(['run', '--executor', 'crib', '--wait', '--', 'sh', '-c', 'cat; echo end'])).json;
  assert.equal(readFileSync(plain.stdout_log_path, 'utf8'), 'end\n');
});

test('ssh: status shows the resources of the job\'s process group on the host, sampled by the supervisor', async (t) => {
  const s = setup(t);
  if (!s) return;
  await assertRemoteResources(s.run, 'crib', 'ssh');
});
