// The lifecycle plumbing every infrastructure fixture (netns, sshd, containers, slurm) shares:
// daemons run as children and stopped by pid, fixture directories and everything that belongs
// to them (processes, mounts), machine-wide claims under /run, and one file-level cleanup stack
// that the node:test `after` hook of the importing test file unwinds (last started, first
// stopped), with a synchronous last resort on process exit.
//
// Importing it registers that `after` hook and the process 'exit' handler. Running commands and
// handling processes is in proc.mjs.
import { after } from 'node:test';
import { spawn, execFileSync } from 'node:child_process';
import {
  chmodSync, closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { need } from './infra.mjs';
import { descendantsOf, exec, isAlive, processesUsing, settlesWithin, sleep, terminate } from './proc.mjs';

/**
 * need() from infra.mjs for any context the fixtures get: a test's context skips; a suite or
 * hook context (no skip()) cannot, so there a missing fixture just returns false (the fixture
 * returns undefined) unless JOBCTL_TEST_REQUIRE names it, which fails as usual.
 */
export function needInfra(t, name, available, missing) {
  return need(typeof t?.skip === 'function' ? t : { skip() {} }, name, available, missing);
}

// --- fixture directories ---

/** A fresh temp directory under /tmp (short on purpose: unix socket paths are limited to 107 bytes). */
export function tempDir(prefix) {
  return mkdtempSync(join('/tmp', prefix));
}

export function removeDir(dir) {
  rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
}

/**
 * A copy of the files of `src` (a flat fixture directory in the checkout) that every user on
 * this machine can read: a fresh 0755 directory under /tmp, files 0644, or 0755 where the
 * original is executable. Removed when the test file ends. For whatever the SSH test user, a
 * container or a Slurm job has to read: the checkout may be private (a clone in root's home or
 * in a `mktemp -d` is 0700), so nothing inside it is handed to them.
 */
export function sharedCopy(src, prefix) {
  const dir = tempDir(prefix);
  const stop = stopper(`shared copy ${dir}`, async () => removeDir(dir));
  stop.register(() => removeDir(dir));
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(src, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const from = join(src, entry.name);
    const to = join(dir, entry.name);
    copyFileSync(from, to);
    chmodSync(to, statSync(from).mode & 0o100 ? 0o755 : 0o644);
  }
  return dir;
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
