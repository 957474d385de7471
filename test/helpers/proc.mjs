// Commands and processes for the test fixtures: run a command (exec, check), find one (which,
// missingCommands), poll with a deadline (waitFor), probe TCP ports, and read the process table
// from /proc (isAlive, descendantsOf, processesUsing) to end processes by pid (terminate).
//
// Stateless: importing it registers no hooks. The fixture lifecycle (daemons, the cleanup stack,
// fixture directories, claims) is in daemon.mjs.
import { spawn } from 'node:child_process';
import { accessSync, constants, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';

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
