// A real SSH host for end-to-end tests: a private sshd (own host key, own config, free port) on
// 127.0.0.1, or inside a namespace from startNetnsHost, that lets the dedicated user
// `jobctl-test` in with a client key made for this fixture.
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { needInfra, claim, liveClaims, release, removeDir, startDaemon, stopper, tempDir } from './daemon.mjs';
import {
  check, descendantsOf, exec, freePort, isAlive, isRoot, missingCommands, processesUsing, terminate, waitFor,
} from './proc.mjs';

export const TEST_USER = 'jobctl-test';

let sshdCounter = 0;

async function ensureTestUser() {
  if ((await exec('id', ['-u', TEST_USER])).code !== 0) {
    const r = await exec('useradd', ['-m', '-s', '/bin/sh', TEST_USER]);
    // Another test file may have created it at the same moment.
    if (r.code !== 0 && (await exec('id', ['-u', TEST_USER])).code !== 0) throw new Error(`useradd ${TEST_USER}: ${r.stderr.trim()}`);
  }
  // sshd refuses a locked account ('!' in the password field) even for key logins; '*' is
  // "no password" without being locked.
  const shadow = (await exec('getent', ['shadow', TEST_USER])).stdout.split(':')[1] ?? '';
  if (shadow.startsWith('!')) await check('usermod', ['-p', '*', TEST_USER]);
  const [, , uid, gid, , home] = (await check('getent', ['passwd', TEST_USER])).trim().split(':');
  return { uid: Number(uid), gid: Number(gid), home };
}

/** Live processes of `uid`, optionally only those whose environment passes `envTest`. */
function processesOf(uid, envTest) {
  const found = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${name}/status`, 'utf8'));
      if (!m || Number(m[1]) !== uid) continue;
      if (envTest && !envTest(readFileSync(`/proc/${name}/environ`, 'utf8').split('\0'))) continue;
      found.push(Number(name));
    } catch {
      // gone
    }
  }
  return found.filter(isAlive);
}

/**
 * Starts an sshd for the test file (stopped by the file's `after` hook, or earlier by stop()).
 * Returns
 *   { host, port, user, destination, identityFile, knownHostsFile, sshConfigArgs, sshConfigFile,
 *     hostAlias, home, dir, netns, log(), stop() }
 * or undefined after needInfra(t, 'ssh' | 'netns', ...) when it cannot be provided.
 * - knownHostsFile is empty: the client under test accepts the host key into it.
 * - sshConfigArgs: options for a plain `ssh ... ${destination} cmd` (key, port, known hosts,
 *   BatchMode, accept-new); sshConfigFile holds the same as `Host ${hostAlias}` for `ssh -F`.
 * With { netns } (from startNetnsHost) sshd runs inside that namespace on its address, and
 * netns.heal() waits for this sshd too.
 */
export async function startSshd(t, opts = {}) {
  const { netns } = opts;
  const name = netns ? 'netns' : 'ssh';
  const missing = missingCommands(['sshd', 'ssh', 'ssh-keygen', 'useradd', 'usermod', 'getent']);
  if (!needInfra(t, 'ssh', missing.length === 0 && isRoot(), missing.length ? `not installed: ${missing.join(', ')}` : 'not running as root')) return undefined;
  // startSshd(t, { netns: undefined }) means the namespace itself could not be made.
  if ('netns' in opts && !netns && !needInfra(t, 'netns', false, 'no network namespace host was given')) return undefined;

  const k = sshdCounter++;
  const claimName = `sshd-user-${process.pid}-${k}`;
  const dir = tempDir('jct-ssh-');
  let daemon;
  let sessionsOf = () => [];
  let userUid;

  const stop = stopper(`sshd ${dir}`, async () => {
    const errors = [];
    if (daemon) {
      // Connection handlers outlive the listener; remember them before it goes.
      const children = descendantsOf(daemon.pid);
      try {
        await daemon.stop();
      } catch (err) {
        errors.push(err.message);
      }
      const left = await terminate([...children, ...sessionsOf()], { timeout: 3000 });
      if (left.length) errors.push(`sshd sessions still running: ${left.join(' ')}`);
    }
    // Clients still holding the fixture's key or known_hosts (a ControlMaster left running...).
    const clients = await terminate(processesUsing(dir), { timeout: 3000 });
    if (clients.length) errors.push(`ssh clients still running: ${clients.join(' ')}`);
    release(claimName);
    // The last fixture using the test user also ends whatever its remote jobs left behind.
    if (userUid !== undefined && liveClaims('sshd-user-').length === 0) {
      const left = await terminate(processesOf(userUid), { timeout: 3000 });
      if (left.length) errors.push(`${TEST_USER} processes still running: ${left.join(' ')}`);
    }
    removeDir(dir);
    if (errors.length) throw new Error(errors.join('; '));
  });
  stop.register(() => {
    if (daemon?.pid) {
      try { process.kill(daemon.pid, 'SIGKILL'); } catch { /* gone */ }
    }
    release(claimName);
    removeDir(dir);
  });

  try {
    const user = await ensureTestUser();
    userUid = user.uid;
    // Remote state from earlier runs goes, unless another live fixture is using the user now.
    const othersLive = liveClaims('sshd-user-').length > 0;
    claim(claimName);
    if (!othersLive) removeDir(join(user.home, '.cache', 'jobctl'));

    // The sshd reads authorized_keys as the user: the directory must be traversable.
    chmodSync(dir, 0o755);
    const hostKey = join(dir, 'host_key');
    const identityFile = join(dir, 'id_ed25519');
    await check('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'jobctl-test-host', '-f', hostKey]);
    await check('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'jobctl-test-client', '-f', identityFile]);
    chmodSync(identityFile, 0o600);
    const authorizedKeys = join(dir, 'authorized_keys');
    writeFileSync(authorizedKeys, readFileSync(`${identityFile}.pub`), { mode: 0o644 });
    const knownHostsFile = join(dir, 'known_hosts');
    writeFileSync(knownHostsFile, '', { mode: 0o600 });
    // The fixture's own connections (readiness, sshRun) keep their host key elsewhere, so
    // knownHostsFile stays empty for the client under test.
    const ownKnownHosts = join(dir, 'known_hosts.fixture');

    const host = netns ? netns.address : '127.0.0.1';
    const port = await freePort('127.0.0.1');
    const config = join(dir, 'sshd_config');
    writeFileSync(config, [
      `Port ${port}`,
      `ListenAddress ${host}`,
      `HostKey ${hostKey}`,
      'PidFile none',
      'UsePAM no',
      'StrictModes no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      `AuthorizedKeysFile ${authorizedKeys}`,
      `AllowUsers ${TEST_USER}`,
      'PermitRootLogin no',
      'UseDNS no',
      'PrintMotd no',
      'PrintLastLog no',
      'X11Forwarding no',
      'LoginGraceTime 30',
      // Tests open many connections at once (and multiplexed sessions).
      'MaxStartups 100',
      'MaxSessions 100',
      'Subsystem sftp internal-sftp',
      '',
    ].join('\n'));
    await check('mkdir', ['-p', '/run/sshd']);
    await check('/usr/sbin/sshd', ['-t', '-f', config]);

    const argv = ['/usr/sbin/sshd', '-f', config, '-D', '-e'];
    const [cmd, ...args] = netns ? netns.wrap(argv) : argv;
    daemon = startDaemon('sshd', cmd, args, { logFile: join(dir, 'sshd.log') });
    // Whatever came in through this sshd carries SSH_CONNECTION="... <host> <port>".
    sessionsOf = () => processesOf(user.uid, (env) => env.some((e) => e.startsWith('SSH_CONNECTION=') && e.endsWith(` ${host} ${port}`)));

    const destination = `${TEST_USER}@${host}`;
    const sshConfigArgs = [
      '-o', 'BatchMode=yes',
      '-o', 'IdentitiesOnly=yes',
      '-o', 'StrictHostKeyChecking=accept-new',
      '-o', `UserKnownHostsFile=${knownHostsFile}`,
      '-i', identityFile,
      '-p', String(port),
    ];
    const hostAlias = `jobctl-test-${port}`;
    const sshConfigFile = join(dir, 'ssh_config');
    writeFileSync(sshConfigFile, [
      `Host ${hostAlias}`,
      `  HostName ${host}`,
      `  Port ${port}`,
      `  User ${TEST_USER}`,
      `  IdentityFile ${identityFile}`,
      '  IdentitiesOnly yes',
      '  BatchMode yes',
      '  StrictHostKeyChecking accept-new',
      `  UserKnownHostsFile ${knownHostsFile}`,
      '',
    ].join('\n'));

    const fixture = {
      host,
      port,
      user: TEST_USER,
      destination,
      home: user.home,
      identityFile,
      knownHostsFile,
      sshConfigArgs,
      sshConfigFile,
      hostAlias,
      dir,
      netns,
      /** The fixture's own client options (its known_hosts, not knownHostsFile). */
      ownArgs: ['-F', 'none', '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-o', 'StrictHostKeyChecking=accept-new',
        '-o', `UserKnownHostsFile=${ownKnownHosts}`, '-i', identityFile, '-p', String(port)],
      log: () => daemon.logTail(20_000),
      stop,
    };
    await waitFor(`sshd on ${host}:${port}`, async () => {
      const r = await exec('ssh', [...fixture.ownArgs, '-o', 'ConnectTimeout=2', destination, 'true'], { timeout: 10_000 });
      if (r.code !== 0) throw new Error(r.stderr.trim() || `ssh exit ${r.code}`);
      return true;
    }, { timeout: 30_000, daemons: [daemon] });
    if (netns) netns.services.push(port);
    return fixture;
  } catch (err) {
    await stop().catch(() => {});
    if (!needInfra(t, name, false, `cannot start sshd: ${err.message}`)) return undefined;
  }
}

/**
 * Runs `remoteCommand` (a shell command line) on the fixture's host as the test user and
 * returns its stdout; throws with stderr when it fails.
 */
export async function sshRun(fixture, remoteCommand, { timeout = 30_000, input } = {}) {
  const r = await exec('ssh', [...fixture.ownArgs, '-o', 'ConnectTimeout=5', fixture.destination, remoteCommand], { timeout, input });
  if (r.code !== 0) throw new Error(`ssh ${fixture.destination} ${JSON.stringify(remoteCommand)}: exit ${r.code ?? r.signal}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** A config.toml table `[executors.NAME]` for the sshd `fixture` (`extra`: more keys). */
export function sshExecutorToml(fixture, name, extra = '') {
  return [
    `[executors.${name}]`, 'type = "ssh"', `host = "${fixture.host}"`, `port = ${fixture.port}`, `user = "${fixture.user}"`,
    `identity_file = "${fixture.identityFile}"`, `known_hosts = "${fixture.knownHostsFile}"`, extra, '',
  ].join('\n');
}
