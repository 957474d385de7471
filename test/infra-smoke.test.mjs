// The end-to-end fixtures are real: an sshd that lets the test user in, a namespace host whose
// link can be cut and healed, Docker and Podman running the locally built busybox image, and a
// one-node Slurm cluster that runs a batch job. Each skips with a message when its
// infrastructure is missing, or fails when JOBCTL_TEST_REQUIRE names it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { startSshd, sshRun } from './helpers/sshd.mjs';
import { startNetnsHost } from './helpers/netns.mjs';
import { exec, tcpProbe, waitFor } from './helpers/proc.mjs';
import { startDocker, startPodman } from './helpers/containers.mjs';
import { startSlurm } from './helpers/slurm.mjs';

const timed = async (label, fn) => {
  const t0 = Date.now();
  const value = await fn();
  if (value) console.log(`# ${label} ready in ${Date.now() - t0} ms`);
  return value;
};

test('ssh: the test user logs in with the fixture key', async (t) => {
  const sshd = await timed('sshd', () => startSshd(t));
  if (!sshd) return;
  assert.equal((await sshRun(sshd, 'id -un')).trim(), 'jobctl-test');
  // A plain ssh with the advertised options works and fills the empty known_hosts file.
  assert.equal(readFileSync(sshd.knownHostsFile, 'utf8'), '');
  const r = await exec('ssh', [...sshd.sshConfigArgs, sshd.destination, 'id -un']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'jobctl-test');
  assert.match(readFileSync(sshd.knownHostsFile, 'utf8'), /ssh-ed25519/);
  const viaConfig = await exec('ssh', ['-F', sshd.sshConfigFile, sshd.hostAlias, 'echo $HOME']);
  assert.equal(viaConfig.code, 0, viaConfig.stderr);
  assert.equal(viaConfig.stdout.trim(), sshd.home);
});

test('netns: the namespace sshd is reachable, unreachable after cut(), reachable after heal()', async (t) => {
  const netns = await timed('netns', () => startNetnsHost(t));
  if (!netns) return;
  const sshd = await timed('netns sshd', () => startSshd(t, { netns }));
  if (!sshd) return;
  assert.equal(sshd.host, netns.address);
  assert.match(netns.address, /^10\.77\.\d+\.2$/);
  const login = () => exec('ssh', [...sshd.sshConfigArgs, '-o', 'ConnectTimeout=2', sshd.destination, 'id -un'], { timeout: 15_000 });

  let r = await login();
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'jobctl-test');

  await netns.cut();
  r = await login();
  assert.equal(r.code, 255, `ssh must fail while the link is cut: ${r.stdout} ${r.stderr}`);
  assert.match(r.stderr, /timed out|No route|unreachable/i);
  assert.notEqual(await tcpProbe(netns.address, sshd.port, 500), 'open');

  await netns.heal();
  r = await login();
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'jobctl-test');
  const inside = await netns.exec(['ip', '-o', '-4', 'addr', 'show', 'dev', 'eth0']);
  assert.match(inside.stdout, new RegExp(netns.address.replace(/\./g, '\\.')));
});

for (const [runtime, start] of [['docker', startDocker], ['podman', startPodman]]) {
  test(`${runtime}: the local busybox image runs, also with memory and cpu limits`, async (t) => {
    const c = await timed(runtime, () => start(t));
    if (!c) return;
    const env = { ...process.env, ...c.env };
    const run = (...args) => exec(c.cli, ['run', '--rm', '--init', '--network', 'none', ...args, c.image, 'sh', '-c', 'echo hi; cat /proc/1/cmdline | tr "\\0" " "'], { env });
    let r = await run();
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^hi\n/);
    r = await run('--memory', '64m', '--cpus', '1');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^hi\n/);
    // The memory limit is enforced: a 100 MB allocation is killed.
    r = await exec(c.cli, ['run', '--rm', '--network', 'none', '--memory', '64m', c.image, 'sh', '-c', 'dd if=/dev/zero of=/dev/null bs=100M count=1; echo dd=$?'], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /dd=137/);
  });
}

test('slurm: an sbatch job runs to COMPLETED', async (t) => {
  const slurm = await timed('slurm', () => startSlurm(t));
  if (!slurm) return;
  const env = { ...process.env, ...slurm.env };
  const out = join(slurm.dir, 'smoke-%j.out');
  const id = (await exec('sbatch', ['--parsable', '-p', slurm.partition, '-o', out, '--wrap', 'echo hi from $SLURM_JOB_ID'], { env })).stdout.trim();
  assert.match(id, /^\d+$/);
  const state = await waitFor(`job ${id} to finish`, async () => {
    const r = await exec('scontrol', ['show', 'job', '-o', id], { env });
    const m = /JobState=(\S+).*ExitCode=(\S+)/.exec(r.stdout);
    return m && !/PENDING|RUNNING|COMPLETING|CONFIGURING/.test(m[1]) && `${m[1]} ${m[2]}`;
  }, { timeout: 60_000 });
  assert.equal(state, 'COMPLETED 0:0');
  assert.equal(readFileSync(out.replace('%j', id), 'utf8'), `hi from ${id}\n`);
  const acct = await exec('sacct', ['-c', '-j', id, '-X', '-n', '-P', '-o', 'JobID,State,ExitCode'], { env });
  assert.equal(acct.stdout.trim(), `${id}|COMPLETED|0:0`);
});
