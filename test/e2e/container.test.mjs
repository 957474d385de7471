// Jobs in containers: a private dockerd and a private podman store, each with a local busybox
// image (test/helpers/containers.mjs). Every scenario runs once per runtime.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { withRoot, waitFor, processAlive, assertMatchesSchema, supervisorGone, allCmdlines } from '../helpers/jobctl.mjs';
import { startDocker, startPodman } from '../helpers/containers.mjs';
import { exec, which } from '../helpers/proc.mjs';
import { assertPromptDelivered, assertRemoteResources, modeOf, runAgentJob, trickyPrompt } from '../helpers/remote-agent.mjs';

const RUNTIMES = ['docker', 'podman'];
const fixtures = {};
const missing = {};

before(async () => {
  await Promise.all(RUNTIMES.map(async (runtime) => {
    // The fixture skips through this context; its message is repeated by every test below.
    const recorder = { skip: (message) => { missing[runtime] = message; } };
    fixtures[runtime] = await (runtime === 'docker' ? startDocker : startPodman)(recorder);
  }));
});

function setup(t, runtime, extra = '') {
  const fixture = fixtures[runtime];
  if (fixture === undefined) {
    t.skip(missing[runtime] ?? `${runtime} missing (see the before hook)`);
    return undefined;
  }
  const ctx = withRoot(t);
  const config = join(ctx.base, 'config.toml');
  writeFileSync(config, `[executors.box]\ntype = "container"\nruntime = "${runtime}"\nimage = "${fixture.image}"\nnetwork = "none"\n${extra}`);
  const cliEnv = { ...process.env, ...fixture.env };
  const run = (args, opts = {}) => ctx.run(args, { config, ...opts, env: { ...fixture.env, ...(opts.env ?? {}) } });
  const cli = (args) => exec(fixture.cli, args, { env: cliEnv });
  return { ...ctx, fixture, config, run, cli };
}


/** Waits until no `RUNTIME logs` process reads this container any more. */
async function noLogReaders(containerId) {
  await waitFor(() => !allCmdlines().some((l) => / logs /.test(l) && l.includes(containerId)), { what: `log readers of ${containerId.slice(0, 12)} to exit` });
}

for (const runtime of RUNTIMES) {
  test(`${runtime}: exit codes and exact bytes; env, workdir; status shows the container; no log reader is left`, async (t) => {
    const s = setup(t, runtime, 'workdir = "/tmp"\nenv = { FROM_EXECUTOR = "exec-env" }\n');
    if (!s) return;
    const script = 'printf "out 1\\nout 2\\n"; printf "err\\n" >&2; printf "%s|%s|%s|%s" "$FROM_EXECUTOR" "$FROM_JOB" "$PATH" "$(pwd)"; exit 3';
    const { json } = await s.run(['run', '--executor', 'box', '--env', 'FROM_JOB=job-env', '--env', 'PATH=/bin:/sbin', '--wait', '--', 'sh', '-c', script]);
    assertMatchesSchema('run', json);
    assert.equal(json.state, 'exited', JSON.stringify(json.error));
    assert.equal(json.exit_code, 3);
    assert.equal(readFileSync(json.stdout_log_path, 'utf8'), 'out 1\nout 2\nexec-env|job-env|/bin:/sbin|/tmp');
    assert.equal(readFileSync(json.stderr_log_path, 'utf8'), 'err\n');
    const status = (await s.run(['status', json.job_id])).json;
    assertMatchesSchema('status', status);
    assert.equal(status.remote.runtime, runtime);
    assert.equal(status.remote.container_name, `jobctl-${json.job_id}`);
    assert.match(status.remote.container_id, /^[0-9a-f]{64}$/);
    const label = await s.cli(['container', 'inspect', '--format', '{{index .Config.Labels "jobctl.job"}}', status.remote.container_id]);
    assert.equal(label.stdout.trim(), json.job_id);

    const ok = (await s.run(['run', '--executor', 'box', '--wait', '--', 'sh', '-c', 'printf "\\377\\376\\000\\001\\r\\n\\033[0m" >&2; printf "a\\nb"'])).json;
    assert.equal(ok.state, 'exited');
    assert.equal(ok.exit_code, 0);
    assert.deepEqual(readFileSync(ok.stderr_log_path), Buffer.from([0xff, 0xfe, 0, 1, 13, 10, 27, 0x5b, 0x30, 0x6d]));
    assert.equal(readFileSync(ok.stdout_log_path, 'utf8'), 'a\nb');
    await supervisorGone(s.root, ok.job_id);
    await noLogReaders((await s.run(['status', ok.job_id])).json.remote.container_id);
  });

  test(`${runtime}: a few MB of output, a 100 kB line and a missing final newline arrive byte for byte`, async (t) => {
    const s = setup(t, runtime);
    if (!s) return;
    const script = 'yes abcdefghij | head -c 3000000; head -c 100000 /dev/zero | tr "\\0" x; printf "E1\\n" >&2; printf "\\ttail"; printf "E2" >&2';
    const started = Date.now();
    const { json } = await s.run(['run', '--executor', 'box', '--wait', '--', 'sh', '-c', script]);
    t.diagnostic(`${runtime}: 3.1 MB job took ${Date.now() - started} ms`);
    assert.equal(json.state, 'exited');
    const expected = Buffer.concat([Buffer.from('abcdefghij\n'.repeat(Math.ceil(3000000 / 11)).slice(0, 3000000)), Buffer.alloc(100000, 'x'), Buffer.from('\ttail')]);
    const got = readFileSync(json.stdout_log_path);
    assert.equal(got.length, expected.length);
    assert.equal(createHash('sha256').update(got).digest('hex'), createHash('sha256').update(expected).digest('hex'));
    assert.equal(readFileSync(json.stderr_log_path, 'utf8'), 'E1\nE2');
  });

  test(`${runtime}: a masked value reaches the container but no command line and no JSON output`, async (t) => {
    const s = setup(t, runtime);
    if (!s) return;
    // Every runtime command the supervisor runs goes through this wrapper, which records its argv.
    const bin = join(s.base, 'bin');
    const argvLog = join(s.base, 'argv.log');
    mkdirSync(bin);
    writeFileSync(join(bin, runtime), `#!/bin/sh\nprintf '%s\\n' "$*" >> ${argvLog}\nexec ${which(runtime)} "$@"\n`);
    chmodSync(join(bin, runtime), 0o755);
    const secret = `s3cr3t-${Date.now()}`;
    const md5 = createHash('md5').update(secret).digest('hex');
    const env = { PATH: `${bin}:${process.env.PATH}` };
    const { json } = await s.run(['run', '--executor', 'box', '--env', `SECRET=${secret}`, '--mask', 'SECRET', '--snapshot-after', '0', '--',
      'sh', '-c', 'echo "token=$SECRET"; printf %s "$SECRET" | md5sum; sleep 1'], { env });
    const during = allCmdlines();
    const done = (await s.run(['wait', json.job_id, '--timeout', '60s'], { env })).json;
    assert.equal(done.state, 'exited');
    const stdout = readFileSync(done.stdout_log_path, 'utf8');
    assert.ok(stdout.includes(md5), `the container got the value: ${stdout}`);
    assert.match(readFileSync(argvLog, 'utf8'), /^run -d /m);
    assert.ok(!readFileSync(argvLog, 'utf8').includes(secret), 'the secret is in a runtime command line');
    assert.ok(!during.some((l) => l.includes(secret)), 'the secret is in some process argv');
    const outputs = [json, done, (await s.run(['status', json.job_id])).json, (await s.run(['tail', json.job_id])).json];
    for (const out of outputs) assert.ok(!JSON.stringify(out).includes(secret), `secret printed by ${out.type}`);
    assert.match(outputs[3].stdout_tail, /^token=\*\*\*\n/);
  });

  test(`${runtime}: kill stops a running container job with SIGTERM`, async (t) => {
    const s = setup(t, runtime);
    if (!s) return;
    const { json } = await s.run(['run', '--executor', 'box', '--snapshot-after', '0', '--', 'sh', '-c', 'echo started; sleep 300']);
    await waitFor(async () => (await s.run(['tail', json.job_id])).json.stdout_tail === 'started\n', { timeoutMs: 30000, what: 'the job to start' });
    const killed = (await s.run(['kill', json.job_id])).json;
    assert.equal(killed.sent, true);
    const done = (await s.run(['wait', json.job_id, '--timeout', '60s'])).json;
    assert.equal(done.state, 'killed');
    assert.equal(done.signal, 'SIGTERM');
    assert.equal(done.timed_out, false);
    const status = (await s.run(['status', json.job_id])).json;
    const inspected = await s.cli(['container', 'inspect', '--format', '{{.State.Status}}', status.remote.container_id]);
    assert.equal(inspected.stdout.trim(), 'exited');
  });

  test(`${runtime}: --timeout kills the container job and records timed_out`, async (t) => {
    const s = setup(t, runtime);
    if (!s) return;
    const { json } = await s.run(['run', '--executor', 'box', '--timeout', '1s', '--wait', '--', 'sleep', '300']);
    assert.equal(json.state, 'killed');
    assert.equal(json.timed_out, true);
    assert.equal(json.signal, 'SIGTERM');
  });

  test(`${runtime}: an output match fires once`, async (t) => {
    const s = setup(t, runtime);
    if (!s) return;
    const file = join(s.base, 'matches.ndjson');
    const { json } = await s.run(['run', '--executor', 'box', '--output-pattern', 'READY', '--output-file', file, '--wait', '--',
      'sh', '-c', 'echo booting; sleep 0.5; echo "server READY on 8080"; yes filler | head -c 200000; echo done']);
    assert.equal(json.exit_code, 0);
    await supervisorGone(s.root, json.job_id);
    const events = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(events.length, 1);
    assert.equal(events[0].line, 'server READY on 8080');
    assertMatchesSchema('job.output.matched', events[0]);
  });

  test(`${runtime}: a missing image or a bad volume fails the job with the runtime's reason, leaving no container`, async (t) => {
    const s = setup(t, runtime);
    if (!s) return;
    const noImage = join(s.base, 'no-image.toml');
    writeFileSync(noImage, readFileSync(s.config, 'utf8').replace(s.fixture.image, 'jobctl-test/no-such-image:1'));
    const started = Date.now();
    const failed = (await s.run(['run', '--executor', 'box', '--wait', '--', 'true'], { config: noImage })).json;
    assert.ok(Date.now() - started < 30000, 'a missing image must fail at once');
    assert.equal(failed.state, 'failed');
    assert.equal(failed.error.code, 'launch_failed');
    assert.match(failed.error.message, /image jobctl-test\/no-such-image:1 is not present .*never pulled/);
    const badVolume = join(s.base, 'bad-volume.toml');
    writeFileSync(badVolume, `${readFileSync(s.config, 'utf8')}volumes = ["${s.base}:not-absolute"]\n`);
    const refused = (await s.run(['run', '--executor', 'box', '--wait', '--', 'true'], { config: badVolume })).json;
    assert.equal(refused.state, 'failed');
    assert.equal(refused.error.code, 'launch_failed');
    assert.match(refused.error.message, /not-absolute.*absolute|absolute.*not-absolute/);
    for (const id of [failed.job_id, refused.job_id]) {
      const left = await s.cli(['ps', '-a', '--filter', `label=jobctl.job=${id}`, '--format', '{{.ID}}']);
      assert.equal(left.stdout.trim(), '', `a container of ${id} was left`);
    }
  });

  test(`${runtime}: --stdin bytes reach the container's command exactly; restart runs the job again in a new container`, async (t) => {
    const s = setup(t, runtime);
    if (!s) return;
    const input = Buffer.concat([Buffer.from('one\n\0two\0\n'), Buffer.from([...Array(256).keys()]), Buffer.from('last')]);
    const { json } = await s.run(['run', '--executor', 'box', '--stdin', '--wait', '--', 'sh', '-c', 'md5sum | cut -c1-32'], { input });
    assert.equal(json.state, 'exited', JSON.stringify(json.error));
    const expected = `${createHash('md5').update(input).digest('hex')}\n`;
    assert.equal(json.stdout_tail, expected);
    await supervisorGone(s.root, json.job_id);
    const again = (await s.run(['restart', json.job_id, '--wait'])).json;
    assert.equal(again.state, 'exited', JSON.stringify(again.error));
    assert.equal(again.stdout_tail, expected);
    const status = (await s.run(['status', json.job_id])).json;
    assert.equal(status.attempt, 2);
    assert.equal(readFileSync(status.attempts[0].stdout_log_path, 'utf8'), expected);
  });

  test(`${runtime}: delete of a finished job removes its container`, async (t) => {
    const s = setup(t, runtime);
    if (!s) return;
    const { json } = await s.run(['run', '--executor', 'box', '--wait', '--', 'true']);
    const name = `jobctl-${json.job_id}`;
    assert.equal((await s.cli(['container', 'inspect', '--format', '{{.Name}}', name])).code, 0);
    await supervisorGone(s.root, json.job_id);
    const deleted = (await s.run(['delete', json.job_id])).json;
    assertMatchesSchema('delete', deleted);
    assert.deepEqual(deleted.remote_cleanup, { ok: true });
    const gone = await s.cli(['container', 'inspect', '--format', '{{.Name}}', name]);
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /no such (container|object)/i);
  });

  test(`${runtime}: a supervisor killed mid-job is replaced; every line arrives exactly once`, async (t) => {
    const s = setup(t, runtime);
    if (!s) return;
    const { json } = await s.run(['run', '--executor', 'box', '--snapshot-after', '0', '--',
      // Long enough (8 s) to still run when a loaded machine has shown its first lines.
      'sh', '-c', 'i=0; while [ $i -lt 80 ]; do i=$((i+1)); echo "line $i"; sleep 0.1; done; printf tail']);
    const stdoutLog = join(s.root, json.job_id, 'stdout.log');
    const running = await waitFor(async () => {
      const st = (await s.run(['status', json.job_id])).json;
      let out = '';
      try { out = readFileSync(stdoutLog, 'utf8'); } catch { /* not yet */ }
      return st.state === 'running' && st.supervisor_pid && out.includes('line 3\n') ? st : undefined;
    }, { timeoutMs: 30000, what: 'output to arrive' });
    process.kill(running.supervisor_pid, 'SIGKILL');
    await waitFor(() => !processAlive(running.supervisor_pid), { what: 'the supervisor to die' });
    const done = (await s.run(['wait', json.job_id, '--timeout', '60s'])).json;
    assert.equal(done.state, 'exited');
    assert.equal(done.exit_code, 0);
    const expected = Array.from({ length: 80 }, (_, i) => `line ${i + 1}\n`).join('') + 'tail';
    assert.equal(readFileSync(done.stdout_log_path, 'utf8'), expected);
    const state = JSON.parse(readFileSync(join(s.root, json.job_id, 'state.json'), 'utf8'));
    assert.equal(state.reattach_count, 1);
    await supervisorGone(s.root, json.job_id);
    await noLogReaders(running.remote.container_id);
  });

  test(`${runtime}: --memory-limit and --cpu-limit reach the container; exceeding memory is oom_killed`, async (t) => {
    const s = setup(t, runtime);
    if (!s) return;
    const { limits } = s.fixture;
    const cpu = (await s.run(['run', '--executor', 'box', '--cpu-limit', '0.5', '--wait', '--',
      'sh', '-c', 'cat /sys/fs/cgroup/cpu.max 2>/dev/null || cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us'])).json;
    const hog = (await s.run(['run', '--executor', 'box', '--memory-limit', '32M', '--wait', '--',
      'sh', '-c', 'echo start; x=$(head -c 200000000 /dev/zero | tr "\\0" a); echo survived'])).json;
    if (limits.cpus) {
      assert.equal(cpu.state, 'exited', JSON.stringify(cpu.error));
      assert.match(readFileSync(cpu.stdout_log_path, 'utf8'), /^(50000 100000|50000)\n$/);
    } else {
      // Without a cpu controller the runtime refuses the flag: the job fails with its message.
      assert.equal(cpu.state, 'failed');
      assert.ok(cpu.error.message.length > 0);
    }
    if (limits.memory) {
      assert.equal(hog.state, 'failed', JSON.stringify(hog));
      assert.equal(hog.error.code, 'oom_killed');
      assert.equal(hog.exit_code, 137);
      assert.equal(readFileSync(hog.stdout_log_path, 'utf8'), 'start\n');
    } else {
      assert.equal(hog.state, 'failed');
      assert.equal(hog.error.code, 'launch_failed');
    }
  });

  test(`${runtime}: an agent job reads its prompt on stdin through a read-only mount; the prompt is in no command line`, async (t) => {
    const s = setup(t, runtime);
    if (!s) return;
    const tricky = trickyPrompt();
    const job = await runAgentJob(s.run, s.root, 'box', tricky);
    assertPromptDelivered(job, tricky);
    assert.equal(modeOf(join(job.dir, 'spool')), 0o700);
    assert.equal(modeOf(join(job.dir, 'spool', 'prompt')), 0o600);
    const mounts = await s.cli(['container', 'inspect', '--format', '{{range .Mounts}}{{.Destination}} {{.RW}};{{end}}', `jobctl-${job.done.job_id}`]);
    assert.match(mounts.stdout, /\/run\/jobctl-prompt false;/);
    // A job without a prompt gets no mount and no wrapper.
    const plain = (await s.run(['run', '--executor', 'box', '--wait', '--', 'sh', '-c', 'cat; echo end; ls /run/jobctl-prompt 2>&1'])).json;
    assert.match(readFileSync(plain.stdout_log_path, 'utf8'), /^end\n.*No such file/);
  });

  test(`${runtime}: status shows the container's resources, sampled by the supervisor`, async (t) => {
    const s = setup(t, runtime);
    if (!s) return;
    await assertRemoteResources(s.run, 'box', runtime);
  });
}

test('docker: a CPU limit beyond the machine is refused at once with docker\'s message', async (t) => {
  const s = setup(t, 'docker');
  if (!s) return;
  const { json } = await s.run(['run', '--executor', 'box', '--cpu-limit', '1024', '--wait', '--', 'true']);
  assert.equal(json.state, 'failed');
  assert.equal(json.error.code, 'launch_failed');
  assert.match(json.error.message, /CPUs/);
});
