// Real container runtimes for end-to-end tests: a private dockerd (own data root, exec root and
// socket) and a private podman store/config, each holding a busybox image built locally from the
// busybox-static binary (no registry is reachable, and none may be contacted).
//
// Pull safety: the daemons and podman get an HTTP(S) proxy on 127.0.0.1:9 (nothing listens
// there), so a test that names a missing image fails at once on this machine instead of trying
// a registry; podman also searches no registries for short names.
import { closeSync, existsSync, mkdirSync, openSync, readSync, writeFileSync, copyFileSync, symlinkSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import {
  needInfra, endProcessesUsing, forceCleanDirSync, removeDir, startDaemon, stopper, tempDir, unmountUnder,
} from './daemon.mjs';
import { check, exec, isRoot, missingCommands, waitFor, which } from './proc.mjs';

export const TEST_IMAGE = 'jobctl-test/bb:latest';

const NO_EGRESS_PROXY = { HTTP_PROXY: 'http://127.0.0.1:9', HTTPS_PROXY: 'http://127.0.0.1:9', http_proxy: 'http://127.0.0.1:9', https_proxy: 'http://127.0.0.1:9', NO_PROXY: '', no_proxy: '' };

/** The busybox binary to put in the image: it must be statically linked (the image has no libc). */
function staticBusybox() {
  for (const path of ['/bin/busybox', '/usr/bin/busybox']) {
    if (existsSync(path) && isStaticElf(path)) return path;
  }
  return null;
}

/** An ELF executable without a PT_INTERP program header (no dynamic loader). */
function isStaticElf(path) {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(64);
    readSync(fd, head, 0, 64, 0);
    if (head.readUInt32BE(0) !== 0x7f454c46 || head[4] !== 2) return false; // ELF, 64-bit
    const phoff = Number(head.readBigUInt64LE(32));
    const phentsize = head.readUInt16LE(54);
    const phnum = head.readUInt16LE(56);
    const ph = Buffer.alloc(phentsize * phnum);
    readSync(fd, ph, 0, ph.length, phoff);
    for (let i = 0; i < phnum; i++) {
      if (ph.readUInt32LE(i * phentsize) === 3) return false; // PT_INTERP
    }
    return true;
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes <dir>/image.tar: a root filesystem with /bin/busybox, a /bin symlink for every applet
 * (sh, echo, cat, sleep, kill, head, yes, seq, printf, env, pwd, ls, true, false, dd, ps...),
 * /usr/bin and /sbin pointing at /bin, /tmp, and root in /etc/passwd.
 */
async function buildImageTar(dir, busybox) {
  const root = join(dir, 'rootfs');
  for (const d of ['bin', 'etc', 'tmp', 'root', 'proc', 'sys', 'dev', 'usr', 'var']) mkdirSync(join(root, d), { recursive: true });
  chmodSync(join(root, 'tmp'), 0o1777);
  copyFileSync(busybox, join(root, 'bin', 'busybox'));
  chmodSync(join(root, 'bin', 'busybox'), 0o755);
  const applets = (await check(busybox, ['--list'])).split('\n').filter((a) => a && a !== 'busybox');
  for (const applet of applets) symlinkSync('busybox', join(root, 'bin', applet));
  symlinkSync('../bin', join(root, 'usr', 'bin'));
  symlinkSync('bin', join(root, 'sbin'));
  writeFileSync(join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  writeFileSync(join(root, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
  const tar = join(dir, 'image.tar');
  await check('tar', ['-C', root, '-cf', tar, '.']);
  removeDir(root);
  return tar;
}

/** Which of --memory and --cpus a runtime accepts here (they need the cgroup controllers). */
async function probeLimits(cli, env, image) {
  const works = async (...flags) => (await exec(cli, ['run', '--rm', '--network', 'none', ...flags, image, 'true'], { env, timeout: 60_000 })).code === 0;
  return { memory: await works('--memory', '64m'), cpus: await works('--cpus', '1') };
}

/**
 * Starts a private dockerd for the test file (stopped by the file's `after` hook, or by stop()).
 * Returns
 *   { runtime: 'docker', cli: 'docker', env: { DOCKER_HOST, DOCKER_CONFIG }, image, limits: { memory, cpus }, dir, log(), stop() }
 * or undefined after needInfra(t, 'docker', ...). Pass `env` to every docker command (and to jobctl).
 * The daemon has no network bridge: run containers with `--network none`.
 */
/**
 * The end of a runtime's teardown: processes still using its directory are ended by pid, its
 * mounts undone and the directory removed; `errors` (with what went wrong before) is thrown.
 */
async function clearRuntimeDir(dir, errors) {
  const left = await endProcessesUsing(dir);
  if (left.length) errors.push(`processes still running: ${left.join(' ')}`);
  try { await unmountUnder(dir); } catch (err) { errors.push(err.message); }
  removeDir(dir);
  if (errors.length) throw new Error(errors.join('; '));
}

export async function startDocker(t) {
  const missing = missingCommands(['dockerd', 'docker', 'containerd', 'runc', 'tar']);
  const busybox = staticBusybox();
  if (!needInfra(t, 'docker', missing.length === 0 && busybox && isRoot(),
    missing.length ? `not installed: ${missing.join(', ')}` : !busybox ? 'no statically linked /bin/busybox (busybox-static)' : 'not running as root')) return undefined;

  const dir = tempDir('jct-dk-');
  const socket = join(dir, 'docker.sock');
  const env = { DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: join(dir, 'cli') };
  const cliEnv = { ...process.env, ...env };
  let daemon;

  const stop = stopper(`dockerd ${dir}`, async () => {
    const errors = [];
    if (daemon && !daemon.exitStatus) {
      const ids = (await exec('docker', ['ps', '-aq'], { env: cliEnv })).stdout.split(/\s+/).filter(Boolean);
      if (ids.length) {
        const r = await exec('docker', ['rm', '-f', ...ids], { env: cliEnv, timeout: 60_000 });
        if (r.code !== 0) errors.push(`docker rm -f: ${r.stderr.trim()}`);
      }
    }
    if (daemon) {
      try { await daemon.stop(); } catch (err) { errors.push(err.message); }
    }
    // containerd (dockerd's child) and shims exit with it; anything left is ended by pid.
    await clearRuntimeDir(dir, errors);
  });
  stop.register(() => forceCleanDirSync(dir));

  try {
    mkdirSync(env.DOCKER_CONFIG);
    const daemonConfig = join(dir, 'daemon.json');
    writeFileSync(daemonConfig, '{}\n');
    daemon = startDaemon('dockerd', which('dockerd'), [
      '--config-file', daemonConfig,
      '--data-root', join(dir, 'data'),
      '--exec-root', join(dir, 'exec'),
      '-H', `unix://${socket}`,
      '--pidfile', join(dir, 'docker.pid'),
      '--iptables=false', '--ip6tables=false', '--bridge=none',
      '--exec-opt', 'native.cgroupdriver=cgroupfs',
    ], { env: { ...process.env, ...NO_EGRESS_PROXY }, logFile: join(dir, 'dockerd.log'), stopTimeout: 30_000 });
    await waitFor('dockerd', async () => {
      const r = await exec('docker', ['info', '--format', '{{.ServerVersion}}'], { env: cliEnv, timeout: 10_000 });
      if (r.code !== 0) throw new Error(r.stderr.trim());
      return true;
    }, { timeout: 60_000, daemons: [daemon] });
    const tar = await buildImageTar(dir, busybox);
    await check('docker', ['import', '-c', 'ENV PATH=/bin', tar, TEST_IMAGE], { env: cliEnv, timeout: 120_000 });
    const limits = await probeLimits('docker', cliEnv, TEST_IMAGE);
    return { runtime: 'docker', cli: 'docker', env, image: TEST_IMAGE, limits, dir, log: () => daemon.logTail(20_000), stop };
  } catch (err) {
    await stop().catch(() => {});
    if (!needInfra(t, 'docker', false, `cannot start dockerd: ${err.message}`)) return undefined;
  }
}

/**
 * Sets up podman (daemonless) with a private store, run root and containers.conf for the test
 * file. Returns
 *   { runtime: 'podman', cli: 'podman', env: { CONTAINERS_CONF, CONTAINERS_STORAGE_CONF, CONTAINERS_REGISTRIES_CONF, HTTP(S)_PROXY... },
 *     image, limits: { memory, cpus }, dir, stop() }
 * or undefined after needInfra(t, 'podman', ...). Every podman command must run with `env` (jobctl
 * too): without it podman uses the machine's store. Run containers with `--network none`.
 */
export async function startPodman(t) {
  const missing = missingCommands(['podman', 'conmon', 'tar']);
  const runtime = which('crun') ?? which('runc');
  const busybox = staticBusybox();
  if (!needInfra(t, 'podman', missing.length === 0 && runtime && busybox && isRoot(),
    missing.length ? `not installed: ${missing.join(', ')}` : !runtime ? 'no OCI runtime (crun or runc)'
      : !busybox ? 'no statically linked /bin/busybox (busybox-static)' : 'not running as root')) return undefined;

  const dir = tempDir('jct-pm-');
  const env = {
    CONTAINERS_CONF: join(dir, 'containers.conf'),
    CONTAINERS_STORAGE_CONF: join(dir, 'storage.conf'),
    CONTAINERS_REGISTRIES_CONF: join(dir, 'registries.conf'),
    ...NO_EGRESS_PROXY,
  };
  const cliEnv = { ...process.env, ...env };

  const stop = stopper(`podman ${dir}`, async () => {
    const errors = [];
    if (existsSync(env.CONTAINERS_STORAGE_CONF)) {
      const r = await exec('podman', ['rm', '--all', '--force', '--time', '0'], { env: cliEnv, timeout: 60_000 });
      if (r.code !== 0) errors.push(`podman rm: ${r.stderr.trim()}`);
    }
    // conmon and `podman container cleanup` name the store in their arguments.
    await clearRuntimeDir(dir, errors);
  });
  stop.register(() => forceCleanDirSync(dir));

  try {
    // Without explicit ulimits podman asks for nofile=1048576, which this sandbox refuses.
    // --init needs a static init binary: catatonit (podman's default) or docker's tini.
    const init = ['/usr/libexec/podman/catatonit', '/usr/bin/catatonit', '/usr/bin/tini-static', '/usr/bin/docker-init'].find(existsSync);
    const toml = (v) => JSON.stringify(v);
    writeFileSync(env.CONTAINERS_CONF, [
      '[containers]',
      'default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]',
      // The proxy variables above are for podman's own pulls, not for the containers.
      'http_proxy = false',
      ...(init ? [`init_path = ${toml(init)}`] : []),
      '[engine]',
      'cgroup_manager = "cgroupfs"',
      'events_logger = "file"',
      `events_logfile_path = ${toml(join(dir, 'events.log'))}`,
      `tmp_dir = ${toml(join(dir, 'tmp'))}`,
      `runtime = ${toml(runtime.endsWith('crun') ? 'crun' : 'runc')}`,
      '[network]',
      `network_config_dir = ${toml(join(dir, 'networks'))}`,
      '',
    ].join('\n'));
    writeFileSync(env.CONTAINERS_REGISTRIES_CONF, 'unqualified-search-registries = []\n');
    const storage = (driver) => writeFileSync(env.CONTAINERS_STORAGE_CONF, [
      '[storage]',
      `driver = ${toml(driver)}`,
      `graphroot = ${toml(join(dir, 'root'))}`,
      `runroot = ${toml(join(dir, 'run'))}`,
      '',
    ].join('\n'));
    storage('overlay');
    let info = await exec('podman', ['info', '--format', '{{.Store.GraphDriverName}}'], { env: cliEnv, timeout: 60_000 });
    if (info.code !== 0 && /overlay/i.test(info.stderr)) {
      // No overlay on this filesystem: the slow but universal driver.
      await unmountUnder(dir);
      removeDir(join(dir, 'root'));
      storage('vfs');
      info = await exec('podman', ['info', '--format', '{{.Store.GraphDriverName}}'], { env: cliEnv, timeout: 60_000 });
    }
    if (info.code !== 0) throw new Error(`podman info: ${info.stderr.trim()}`);
    const tar = await buildImageTar(dir, busybox);
    await check('podman', ['import', '--quiet', '-c', 'ENV PATH=/bin', tar, TEST_IMAGE], { env: cliEnv, timeout: 120_000 });
    const limits = await probeLimits('podman', cliEnv, TEST_IMAGE);
    return { runtime: 'podman', cli: 'podman', env, image: TEST_IMAGE, limits, storageDriver: info.stdout.trim(), dir, stop };
  } catch (err) {
    await stop().catch(() => {});
    if (!needInfra(t, 'podman', false, `cannot set up podman: ${err.message}`)) return undefined;
  }
}
