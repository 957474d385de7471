// A test host behind a link that tests can cut: a network namespace joined to the root one by a
// veth pair (root side 10.77.N.1/24, namespace side 10.77.N.2/24 as eth0).
//
// This module also holds the plumbing the other fixture helpers (sshd, containers, slurm) share:
// daemons run as children and stopped by pid, polling with a deadline, and one file-level cleanup
// stack that the node:test `after` hook of the importing test file unwinds (last started, first
// stopped), with a synchronous last resort on process exit.
//
// Traffic rule: 10.77.0.0/16 gets an `unreachable` route before any namespace exists, so a
// namespace address whose link is down can never fall through to the default route.
import { after } from 'node:test';
import { spawn, execFileSync } from 'node:child_process';
import { accessSync, closeSync, constants, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { need } from './infra.mjs';

// ---------------------------------------------------------------------------------------------
// Shared plumbing

/**
 * need() from infra.mjs for any context the fixtures get: a test's context skips; a suite or
 * hook context (no skip()) cannot, so there a missing fixture just returns false (the fixture
 * returns undefined) unless JOBCTL_TEST_REQUIRE names it, which fails as usual.
 */
export function needInfra(t, name, available, missing) {
  return need(typeof t?.skip === 'function' ? t : { skip() {} }, name, available, missing);
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** True when `promise` settles within `ms` (the timer never outlives it). */
export async function settlesWithin(promise, ms) {
  let timer;
  const expired = new Promise((resolve) => { timer = setTimeout(() => resolve(false), ms); });
  try {
    return await Promise.race([promise.then(() => true, () => true), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Full path of an executable on PATH (or in the sbin directories), or null. */
export function which(cmd) {
  if (cmd.includes('/')) return isExecutable(cmd) ? cmd : null;
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/bin', '/bin'];
  for (const dir of dirs) {
    if (dir && isExecutable(join(dir, cmd))) return join(dir, cmd);
  }
  return null;
}

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Names of the commands in `cmds` that are not installed. */
export function missingCommands(cmds) {
  return cmds.filter((c) => !which(c));
}

export const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * Runs a command to completion; resolves { code, signal, stdout, stderr } and never rejects
 * (a command that cannot start resolves with code null and the reason in stderr).
 */
export function exec(cmd, args = [], { env, cwd, input, timeout = 60_000 } = {}) {
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(cmd, args, { env: env ?? process.env, cwd, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    } catch (err) {
      resolve({ code: null, signal: null, stdout: '', stderr: String(err.message) });
      return;
    }
    const out = [];
    const errOut = [];
    let spawnError;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => errOut.push(d));
    child.on('error', (err) => { spawnError = err; });
    if (input !== undefined) {
      child.stdin.on('error', () => {});
      child.stdin.end(input);
    }
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(errOut).toString('utf8') + (spawnError ? String(spawnError.message) : '');
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr });
    });
  });
}

/** Runs a command and returns its stdout; throws with its stderr when it does not exit 0. */
export async function check(cmd, args = [], opts = {}) {
  const r = await exec(cmd, args, opts);
  if (r.code !== 0) {
    const how = r.signal ? `signal ${r.signal}` : `exit ${r.code}`;
    throw new Error(`${cmd} ${args.join(' ')} failed (${how}): ${(r.stderr || r.stdout).trim().slice(-2000)}`);
  }
  return r.stdout;
}

/**
 * Polls `probe` until it returns a truthy value (which is returned) or the deadline passes.
 * A probe that throws counts as "not yet"; its last error is in the timeout message. When one
 * of `daemons` exits meanwhile, fails at once with the tail of its log.
 */
export async function waitFor(what, probe, { timeout = 30_000, interval = 100, daemons = [] } = {}) {
  const deadline = Date.now() + timeout;
  let last = 'no attempt finished';
  for (;;) {
    for (const d of daemons) {
      if (d.exitStatus) throw new Error(`${what}: ${d.name} exited (${d.exitStatus}) while waiting; its log ends:\n${d.logTail()}`);
    }
    try {
      const value = await probe();
      if (value) return value;
      last = `probe returned ${JSON.stringify(value)}`;
    } catch (err) {
      last = err.message;
    }
    if (Date.now() >= deadline) {
      const logs = daemons.map((d) => `--- ${d.name} log:\n${d.logTail()}`).join('\n');
      throw new Error(`${what}: not ready after ${timeout / 1000}s (last: ${last})${logs ? `\n${logs}` : ''}`);
    }
    await sleep(Math.min(interval, Math.max(0, deadline - Date.now())));
    interval = Math.min(interval * 1.5, 500);
  }
}

/** A TCP port that was free on `host` a moment ago. */
export function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * One TCP connection attempt: 'open' (accepted), 'refused' (the host answered with a reset,
 * so it is reachable), 'timeout', or the error code (EHOSTUNREACH, ENETUNREACH...).
 */
export function tcpProbe(host, port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    const done = (result) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done('timeout'), timeoutMs);
    sock.on('connect', () => done('open'));
    sock.on('error', (err) => done(err.code === 'ECONNREFUSED' ? 'refused' : err.code || err.message));
  });
}

/** A fresh temp directory under /tmp (short on purpose: unix socket paths are limited to 107 bytes). */
export function tempDir(prefix) {
  return mkdtempSync(join('/tmp', prefix));
}

export function removeDir(dir) {
  rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
}

// --- processes ---

/** True while `pid` exists and is not a zombie. */
export function isAlive(pid) {
  let stat;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}

function allPids() {
  return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number).filter((p) => p !== process.pid);
}

function parentOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

/** Every live process below `pid` in the process tree. */
export function descendantsOf(pid) {
  const children = new Map();
  for (const p of allPids()) {
    const pp = parentOf(p);
    if (pp === null) continue;
    if (!children.has(pp)) children.set(pp, []);
    children.get(pp).push(p);
  }
  const found = [];
  const queue = [pid];
  while (queue.length) {
    for (const c of children.get(queue.shift()) ?? []) {
      found.push(c);
      queue.push(c);
    }
  }
  return found.filter(isAlive);
}

/**
 * Live processes that belong to a fixture directory: `dir` appears in their command line, or
 * they have their working directory or an open file inside it (containerd shims, conmon,
 * slurmstepd...). Only fixtures create such directories, so these are processes they started.
 */
export function processesUsing(dir) {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  const inside = (p) => p === dir || p.startsWith(prefix);
  const found = [];
  for (const pid of allPids()) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').some((a) => a.includes(dir))) {
        found.push(pid);
        continue;
      }
      if (inside(readlinkSync(`/proc/${pid}/cwd`))) {
        found.push(pid);
        continue;
      }
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        let target;
        try { target = readlinkSync(`/proc/${pid}/fd/${fd}`); } catch { continue; }
        if (inside(target)) {
          found.push(pid);
          break;
        }
      }
    } catch {
      // gone, or a kernel thread
    }
  }
  return found.filter(isAlive);
}

/**
 * Sends SIGTERM to each pid, waits up to `timeout` ms, then SIGKILLs what is left and waits again.
 * Returns the pids still alive after that (normally none).
 */
export async function terminate(pids, { timeout = 10_000 } = {}) {
  const signal = (sig) => {
    for (const pid of pids) {
      try { process.kill(pid, sig); } catch { /* gone */ }
    }
  };
  const waitGone = async (ms) => {
    const deadline = Date.now() + ms;
    while (pids.some(isAlive) && Date.now() < deadline) await sleep(50);
  };
  pids = pids.filter(isAlive);
  if (!pids.length) return [];
  signal('SIGTERM');
  await waitGone(timeout);
  pids = pids.filter(isAlive);
  if (!pids.length) return [];
  signal('SIGKILL');
  await waitGone(5000);
  return pids.filter(isAlive);
}

/**
 * Ends every process that belongs to `dir` (see processesUsing): waits up to `grace` ms for them
 * to exit on their own (a daemon stopping its children), then terminates the rest.
 * Returns the pids still alive after that.
 */
export async function endProcessesUsing(dir, { grace = 5000, timeout = 5000 } = {}) {
  const deadline = Date.now() + grace;
  while (processesUsing(dir).length && Date.now() < deadline) await sleep(100);
  return terminate(processesUsing(dir), { timeout });
}

/** Synchronous last resort for a fixture directory: SIGKILL its processes, detach its mounts, remove it. */
export function forceCleanDirSync(dir) {
  const owners = processesUsing(dir);
  for (const pid of [...owners, ...owners.flatMap(descendantsOf)]) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
  try {
    const mps = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4])
      .filter((p) => p && (p === dir || p.startsWith(`${dir}/`))).sort((a, b) => b.length - a.length);
    for (const mp of mps) {
      try { execFileSync('umount', ['-l', mp], { stdio: 'ignore' }); } catch { /* not mounted */ }
    }
    rmSync(dir, { recursive: true, force: true });
  } catch {
    // best effort
  }
}

// --- daemons ---

const liveDaemons = new Set();

/**
 * Starts a long-running child with its output appended to `logFile`. Returns
 * { name, pid, exited (promise), exitStatus, logTail(), stop() }; stop() sends SIGTERM, waits
 * up to `stopTimeout` ms for the exit, then SIGKILLs it and waits again.
 */
export function startDaemon(name, cmd, args, { env, cwd, logFile, stopTimeout = 15_000 } = {}) {
  const fd = openSync(logFile, 'a');
  let child;
  try {
    child = spawn(cmd, args, { env: env ?? process.env, cwd, stdio: ['ignore', fd, fd], detached: true });
  } finally {
    closeSync(fd);
  }
  child.unref();
  const daemon = {
    name,
    pid: child.pid,
    exitStatus: null,
    logFile,
    logTail(chars = 3000) {
      try {
        return readFileSync(logFile, 'utf8').slice(-chars);
      } catch {
        return '(no log)';
      }
    },
    async stop() {
      if (!daemon.exitStatus) {
        try { child.kill('SIGTERM'); } catch { /* gone */ }
        if (!(await settlesWithin(daemon.exited, stopTimeout))) {
          try { child.kill('SIGKILL'); } catch { /* gone */ }
          if (!(await settlesWithin(daemon.exited, 10_000))) throw new Error(`${name} (pid ${daemon.pid}) did not exit after SIGKILL`);
        }
      }
      liveDaemons.delete(daemon);
    },
  };
  daemon.exited = new Promise((resolve) => {
    child.on('error', (err) => {
      daemon.exitStatus = `failed to start: ${err.message}`;
      liveDaemons.delete(daemon);
      resolve(daemon.exitStatus);
    });
    child.on('exit', (code, sig) => {
      daemon.exitStatus = sig ? `signal ${sig}` : `exit ${code}`;
      liveDaemons.delete(daemon);
      resolve(daemon.exitStatus);
    });
  });
  if (child.pid) liveDaemons.add(daemon);
  return daemon;
}

// --- cleanup stack ---

const cleanups = [];
const exitCleanups = new Set();

/**
 * Registers `fn` to run when the test file ends (node:test `after` at file level), in reverse
 * order of registration. Returns a function that unregisters it.
 */
export function onCleanup(label, fn) {
  const entry = { label, fn };
  cleanups.push(entry);
  return () => {
    const i = cleanups.indexOf(entry);
    if (i >= 0) cleanups.splice(i, 1);
  };
}

/** Registers a synchronous last resort run on process exit if the file-level cleanup did not run. */
export function onExitSync(fn) {
  exitCleanups.add(fn);
  armSignals(true);
  return () => {
    exitCleanups.delete(fn);
    if (!exitCleanups.size) armSignals(false);
  };
}

/** Makes an idempotent stop(): runs `fn` once, unregisters it from the cleanup stacks. */
export function stopper(label, fn) {
  let running;
  let unregister = () => {};
  let unregisterExit = () => {};
  const stop = () => {
    running ??= (async () => {
      unregister();
      try {
        await fn();
      } finally {
        unregisterExit();
      }
    })();
    return running;
  };
  stop.register = (exitFn) => {
    unregister = onCleanup(label, stop);
    if (exitFn) unregisterExit = onExitSync(exitFn);
  };
  return stop;
}

// Registered when this module is first imported, which is at the top level of a test file, so
// it is that file's own `after` hook: it runs once every test of the file has finished.
after(async () => {
  const errors = [];
  while (cleanups.length) {
    const { label, fn } = cleanups.pop();
    try {
      await fn();
    } catch (err) {
      errors.push(`${label}: ${err.message}`);
    }
  }
  if (errors.length) throw new Error(`fixture cleanup failed:\n${errors.join('\n')}`);
});

function lastResort() {
  for (const d of liveDaemons) {
    try { process.kill(d.pid, 'SIGKILL'); } catch { /* gone */ }
  }
  for (const fn of exitCleanups) {
    try { fn(); } catch { /* best effort */ }
  }
  exitCleanups.clear();
}
process.on('exit', lastResort);
// A test process killed by a signal (the runner interrupted) gets no 'exit' event: clean up,
// then die of the same signal. Installed only while something needs cleaning up.
const signalHandlers = {};
function armSignals(armed) {
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    if (armed && !signalHandlers[sig]) {
      signalHandlers[sig] = () => {
        lastResort();
        armSignals(false);
        process.kill(process.pid, sig);
      };
      process.on(sig, signalHandlers[sig]);
    } else if (!armed && signalHandlers[sig]) {
      process.removeListener(sig, signalHandlers[sig]);
      delete signalHandlers[sig];
    }
  }
}

// --- mounts ---

/** Unmounts everything mounted at or below `dir` (deepest first; lazily when busy). */
export async function unmountUnder(dir) {
  const mountpoints = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map((line) => line.split(' ')[4])
    .filter(Boolean)
    .map((p) => p.replace(/\\(\d{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8))))
    .filter((p) => p === dir || p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const mp of mountpoints()) {
    const r = await exec('umount', [mp]);
    if (r.code !== 0) await exec('umount', ['-l', mp]);
  }
  const left = mountpoints();
  if (left.length) throw new Error(`still mounted: ${left.join(', ')}`);
}

// --- machine-wide claims (atomic mkdir under /run), released on cleanup; stale owners are reclaimed ---

export const CLAIMS = '/run/jobctl-test';

/**
 * The pid holding a claim: a number, or null while the claim is still being written. A claim
 * whose pid never got written (its owner died in between) counts as stale after 10 s.
 */
function claimOwner(path) {
  let text = '';
  try { text = readFileSync(join(path, 'pid'), 'utf8'); } catch { /* not written yet */ }
  const pid = parseInt(text, 10);
  if (pid > 0) return pid;
  try {
    return Date.now() - statSync(path).mtimeMs > 10_000 ? 0 : null;
  } catch {
    return 0;
  }
}

/** Atomically claims `name` for this process; false when a live process holds it. */
export function claim(name) {
  mkdirSync(CLAIMS, { recursive: true });
  const path = join(CLAIMS, name);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      mkdirSync(path);
      writeFileSync(join(path, 'pid'), String(process.pid));
      return true;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      const owner = claimOwner(path);
      if (owner === null || isAlive(owner)) return false;
      rmSync(path, { recursive: true, force: true });
    }
  }
  return false;
}

export function release(name) {
  rmSync(join(CLAIMS, name), { recursive: true, force: true });
}

/** Names of live claims starting with `prefix` (stale ones are removed). */
export function liveClaims(prefix) {
  let names;
  try { names = readdirSync(CLAIMS); } catch { return []; }
  return names.filter((n) => n.startsWith(prefix)).filter((n) => {
    const owner = claimOwner(join(CLAIMS, n));
    if (owner === null || isAlive(owner)) return true;
    rmSync(join(CLAIMS, n), { recursive: true, force: true });
    return false;
  });
}

// ---------------------------------------------------------------------------------------------
// The namespace host

let netnsCounter = 0;
let unreachableRoute;

async function ensureUnreachableRoute() {
  unreachableRoute ??= (async () => {
    const r = await exec('ip', ['route', 'add', 'unreachable', '10.77.0.0/16', 'metric', '4000']);
    if (r.code !== 0 && !/File exists/.test(r.stderr)) throw new Error(`ip route add unreachable 10.77.0.0/16: ${r.stderr.trim()}`);
  })();
  return unreachableRoute;
}

/**
 * Starts a network namespace host for the test file. Returns
 *   { ns, address, hostAddress, subnet, hostIf, cut(), heal(), exec(argv, opts), wrap(argv), probe(port, ms), stop() }
 * or undefined after needInfra(t, 'netns', ...) when namespaces cannot be made here.
 * `address` is the namespace side (10.77.N.2), `hostAddress` the root side (10.77.N.1).
 * cut() downs eth0 inside the namespace; heal() ups it and waits until the namespace answers
 * again (every port in `services`, which startSshd fills, accepts connections).
 */
export async function startNetnsHost(t) {
  const missing = missingCommands(['ip']);
  if (!needInfra(t, 'netns', missing.length === 0 && isRoot(), missing.length ? `not installed: ${missing.join(', ')}` : 'not running as root')) return undefined;

  const k = netnsCounter++;
  const ns = `jct-${process.pid}-${k}`;
  const hostIf = `jct${process.pid}h${k}`;
  const peerIf = `jct${process.pid}n${k}`;
  let n;
  let nsCreated = false;

  const deleteSync = () => {
    try { execFileSync('ip', ['link', 'del', hostIf], { stdio: 'ignore' }); } catch { /* gone */ }
    for (const pid of nsPidsSync()) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
    try { execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' }); } catch { /* gone */ }
    if (n !== undefined) release(`subnet-${n}`);
  };
  const nsPidsSync = () => {
    if (!nsCreated) return [];
    try {
      return execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  };

  const stop = stopper(`netns ${ns}`, async () => {
    const errors = [];
    await exec('ip', ['link', 'del', hostIf]);
    if (nsCreated) {
      // Anything still inside (sessions left by the sshd in it) was started by the tests.
      const left = await terminate(nsPidsSync(), { timeout: 3000 });
      if (left.length) errors.push(`processes still in ${ns}: ${left.join(' ')}`);
      const r = await exec('ip', ['netns', 'del', ns]);
      if (r.code !== 0) errors.push(`ip netns del ${ns}: ${r.stderr.trim()}`);
    }
    if (n !== undefined) release(`subnet-${n}`);
    if (errors.length) throw new Error(errors.join('; '));
  });
  stop.register(deleteSync);

  try {
    await ensureUnreachableRoute();
    // A /24 no other live fixture (of any process) holds.
    const start = (process.pid * 7 + k) % 254;
    for (let i = 0; i < 254 && n === undefined; i++) {
      const cand = ((start + i) % 254) + 1;
      if (claim(`subnet-${cand}`)) {
        const used = await check('ip', ['-o', '-4', 'addr', 'show']);
        if (used.includes(` 10.77.${cand}.`)) release(`subnet-${cand}`);
        else n = cand;
      }
    }
    if (n === undefined) throw new Error('no free 10.77.N.0/24 subnet');
    const steps = [
      ['netns', 'add', ns],
      ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', peerIf, 'netns', ns],
      ['-n', ns, 'link', 'set', peerIf, 'name', 'eth0'],
      ['addr', 'add', `10.77.${n}.1/24`, 'dev', hostIf],
      ['link', 'set', hostIf, 'up'],
      ['-n', ns, 'addr', 'add', `10.77.${n}.2/24`, 'dev', 'eth0'],
      ['-n', ns, 'link', 'set', 'lo', 'up'],
      ['-n', ns, 'link', 'set', 'eth0', 'up'],
    ];
    for (const args of steps) {
      await check('ip', args);
      if (args[1] === 'add' && args[0] === 'netns') nsCreated = true;
    }
  } catch (err) {
    await stop().catch(() => {});
    if (!needInfra(t, 'netns', false, `cannot create a network namespace: ${err.message}`)) return undefined;
  }

  const address = `10.77.${n}.2`;
  const host = {
    ns,
    address,
    hostAddress: `10.77.${n}.1`,
    subnet: `10.77.${n}.0/24`,
    hostIf,
    /** Ports of services inside the namespace that heal() waits for. */
    services: [],
    probe: (port, ms = 1000) => tcpProbe(address, port, ms),
    /** argv prefixed to run inside the namespace. */
    wrap: (argv) => ['ip', 'netns', 'exec', ns, ...argv],
    /** Runs argv inside the namespace; resolves { code, signal, stdout, stderr }. */
    exec: (argv, opts) => exec('ip', ['netns', 'exec', ns, ...argv], opts),
    async cut() {
      await check('ip', ['-n', ns, 'link', 'set', 'eth0', 'down']);
    },
    async heal({ timeout = 15_000 } = {}) {
      await check('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
      await waitFor(`netns ${ns} reachable again`, async () => {
        if (host.services.length) {
          const results = await Promise.all(host.services.map((p) => tcpProbe(address, p, 500)));
          return results.every((r) => r === 'open');
        }
        // Nothing listens on port 9: a reset proves the namespace answers.
        return ['open', 'refused'].includes(await tcpProbe(address, 9, 500));
      }, { timeout });
    },
    stop,
  };
  // The namespace answers from the root side before anyone uses it.
  await waitFor(`netns ${ns} reachable`, async () => ['open', 'refused'].includes(await tcpProbe(address, 9, 500)), { timeout: 10_000 });
  return host;
}
