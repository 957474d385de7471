// Runs the built bin/jobctl as a subprocess against a temp root and checks the output
// contract on every call: exactly one JSON line on stdout, valid against `jobctl schema`.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, realpathSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import Ajv2020 from 'ajv/dist/2020.js';

export const PROJECT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
export const BIN = join(PROJECT, 'bin', 'jobctl');

let validators;
function validatorFor(type) {
  if (!validators) {
    const out = JSON.parse(execFileSync(BIN, ['schema'], { encoding: 'utf8' }));
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    // The contract's time format: RFC 3339 UTC with milliseconds.
    ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    validators = {};
    for (const [name, schema] of Object.entries(out.schema.outputs)) validators[name] = ajv.compile(schema);
    for (const [name, schema] of Object.entries(out.schema.events)) validators[name] = ajv.compile(schema);
  }
  const v = validators[type];
  assert.ok(v, `no schema for output type ${type}`);
  return v;
}

export function assertMatchesSchema(type, obj) {
  const validate = validatorFor(type);
  assert.ok(validate(obj), `output of type ${type} does not match its schema: ${JSON.stringify(validate.errors)}\n${JSON.stringify(obj)}`);
}

const removeTree = (dir) => rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 });

/** A temp directory removed after the test. */
export function testDir(t, prefix = 'jobctl-test-') {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  t.after(() => removeTree(dir));
  return dir;
}

/**
 * Runs jobctl; resolves { json, code, stdout, stderr }. Asserts the one-JSON-object contract
 * unless `raw` is set (for --help).
 */
export function jobctl(args, opts = {}) {
  const env = { ...process.env, ...(opts.env ?? {}) };
  delete env.JOBCTL_CONFIG;
  delete env.JOBCTL_ROOT;
  // The default config location lives inside the test's temp tree, never the user's.
  env.XDG_CONFIG_HOME = join(opts.root ?? tmpdir(), '..', 'xdg-config');
  if (opts.root) env.JOBCTL_ROOT = opts.root;
  if (opts.config) env.JOBCTL_CONFIG = opts.config;
  return new Promise((resolve, reject) => {
    const child = spawn(opts.bin ?? BIN, args, { cwd: opts.cwd ?? PROJECT, env, stdio: [opts.input !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'], detached: opts.detached ?? false });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (opts.raw) return resolve({ code, signal, stdout, stderr });
      try {
        assert.ok(stdout.endsWith('\n'), `stdout must end with a newline: ${JSON.stringify(stdout.slice(-200))} (exit code ${code}, signal ${signal})`);
        const lines = stdout.slice(0, -1).split('\n');
        assert.equal(lines.length, 1, `stdout must be exactly one line, got ${lines.length}: ${stdout.slice(0, 500)}`);
        const json = JSON.parse(lines[0]);
        assert.doesNotMatch(stdout, /\n\s+at .+\(.+:\d+:\d+\)/, 'no stack trace on stdout');
        if (json.ok) assert.equal(code, 0, `success must exit 0: ${stdout}`);
        else assert.ok(code === 1 || code === 2, `error must exit 1 or 2, got ${code}: ${stdout}`);
        assertMatchesSchema(json.ok ? json.type : 'error', json);
        resolve({ json, code, stdout, stderr, pid: child.pid });
      } catch (e) {
        e.message += `\nargs: ${JSON.stringify(args).slice(0, 500)}\nstderr: ${stderr.slice(0, 2000)}`;
        reject(e);
      }
    });
    if (opts.onSpawn) opts.onSpawn(child);
  });
}

/**
 * Stops what a test left behind in `root`: SIGKILLs job process groups still running and waits
 * for supervisors to finish (they may still be delivering notifications).
 */
export async function settleRoot(root) {
  let ids = [];
  try { ids = readdirSync(root); } catch { return; }
  const helpers = [];
  for (const id of ids) {
    let state;
    try { state = JSON.parse(readFileSync(join(root, id, 'state.json'), 'utf8')); } catch { continue; }
    // Whatever the state says (a lost job's process may live on), a live recorded group goes.
    if (state.pid && startTimeOf(state.pid) === state.pid_start_time) {
      try { process.kill(-state.pid, 'SIGKILL'); } catch { /* already gone */ }
    }
    if (state.supervisor_pid) helpers.push(state.supervisor_pid);
    if (state.deliverer_pid) helpers.push(state.deliverer_pid);
  }
  // The retry timer of a root whose retries still wait (it exits by itself once none does).
  try {
    const timer = JSON.parse(readFileSync(join(root, '.slots', '.retry', '.timer'), 'utf8'));
    if (startTimeOf(timer.pid) === timer.start_time) process.kill(timer.pid, 'SIGKILL');
  } catch { /* none */ }
  // The cloud reaper of a root whose instances are still recorded (it exits once none is).
  try {
    const reaper = JSON.parse(readFileSync(join(root, '.cloud', '.reaper'), 'utf8'));
    if (startTimeOf(reaper.pid) === reaper.start_time) {
      process.kill(reaper.pid, 'SIGKILL');
      helpers.push(reaper.pid);
    }
  } catch { /* none */ }
  await waitFor(() => helpers.every((pid) => !processAlive(pid)), { timeoutMs: 20000, what: 'supervisors to exit' }).catch(() => undefined);
}

/** Waits until the job's supervisor (and deliverer) have exited: its files are final. */
export async function supervisorGone(root, id) {
  await waitFor(() => {
    const state = JSON.parse(readFileSync(join(root, id, 'state.json'), 'utf8'));
    return [state.supervisor_pid, state.deliverer_pid].every((pid) => !pid || !processAlive(pid));
  }, { what: `the supervisor of ${id} to exit` });
}

function startTimeOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** The environment a spawned bin/jobctl gets: never the user's own config. */
export function testEnv(root) {
  const env = { ...process.env, JOBCTL_ROOT: root, XDG_CONFIG_HOME: join(root, '..', 'xdg-config') };
  delete env.JOBCTL_CONFIG;
  return env;
}

/** jobctl with a fresh root per test; returns a bound runner. */
export function withRoot(t) {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'jobctl-test-')));
  const root = join(base, 'jobs');
  t.after(async () => {
    await settleRoot(root);
    removeTree(base);
  });
  const run = (args, opts = {}) => jobctl(args, { root, ...opts });
  return { base, root, run };
}

/**
 * `run --snapshot-after 0` (which may answer while the job is still `queued`), then waits until
 * the job's process runs; returns its status.
 */
export async function runUntilRunning(run, args, opts = {}) {
  const { json } = await run(['run', '--snapshot-after', '0', ...args], opts);
  return waitFor(async () => {
    const status = (await run(['status', json.job_id], opts)).json;
    return status.state === 'running' && status.pid ? status : undefined;
  }, { what: `job ${json.job_id} to run` });
}

/** Polls `cond` until it returns a truthy value (or throws after `timeoutMs`). */
export async function waitFor(cond, { timeoutMs = 15000, intervalMs = 20, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await cond();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** True while a process with this pid exists and is not a zombie. */
export function processAlive(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Command lines of every process on this machine (to prove a secret is in no argv). */
export function allCmdlines() {
  const lines = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      lines.push(readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' '));
    } catch {
      // The process ended meanwhile.
    }
  }
  return lines;
}

/** Most jobs whose [started_at, finished_at] overlap; an end and a start at the same ms do not. */
export function maxOverlap(states) {
  const events = states.flatMap((s) => [[Date.parse(s.started_at), 1], [Date.parse(s.finished_at), -1]]);
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let max = 0;
  for (const [, delta] of events) max = Math.max(max, (now += delta));
  return max;
}

/** Whether process `pid` holds an inotify watch (a caller that has started watching a job or the log). */
export function inotifyWatching(pid) {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === 'anon_inode:inotify' && readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8').includes('inotify wd:');
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}
