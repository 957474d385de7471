// Running the fake agent CLIs of test/fixtures/agents directly, for test/unit/fake-agents/: a temp
// tree per test, a run to its end or in the background (through busybox sh if asked), waiting for
// a condition, the children of a process; and each fake's test of the invocations it refuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testDir } from './jobctl.mjs';
import { FAKE_AGENTS_DIR, BUSYBOX, fakeAgentEnv } from './fake-agents.mjs';

/** A temp tree for one test (removed after it): `home` for sessions, `work` as the cwd. */
export function setup(t) {
  const dir = testDir(t, 'fake-agents-');
  const home = join(dir, 'home');
  const work = join(dir, 'work');
  mkdirSync(work);
  return { dir, home, work };
}

/** stdout split into JSON lines and the other (non-empty) lines. */
export function parseStream(stdout) {
  const json = [];
  const raw = [];
  for (const line of stdout.split('\n')) {
    if (line === '') continue;
    try {
      json.push(JSON.parse(line));
    } catch {
      raw.push(line);
    }
  }
  return { json, raw };
}

function command(agent, args, shell) {
  const file = join(FAKE_AGENTS_DIR, agent);
  return shell ? [BUSYBOX, ['sh', file, ...args]] : [file, args];
}

/** The environment of a run: fakeAgentEnv with `ctx.home`, optionally another PATH. */
export function environment(ctx, { env = {}, path, log, delay } = {}) {
  const e = fakeAgentEnv({ home: ctx.home, log, delay, extra: env });
  if (path !== undefined) e.PATH = path;
  return e;
}

/** Runs a fake to its end: { code, signal, stdout, stderr, json, raw, pid }. */
export function runFake(ctx, agent, args, opts = {}) {
  const { input = 'scenario: success\n', cwd = ctx.work, busybox = false } = opts;
  const [cmd, argv] = command(agent, args, busybox);
  const r = spawnSync(cmd, argv, { input, env: environment(ctx, opts), cwd, encoding: 'utf8', timeout: 30_000 });
  // A fake that refuses its argv exits without reading stdin: writing the prompt may hit EPIPE.
  if (r.error?.code !== 'EPIPE') assert.equal(r.error, undefined, String(r.error));
  assert.equal(r.signal, null);
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, pid: r.pid, ...parseStream(r.stdout) };
}

/** Starts a fake in the background; `exited` resolves to { code, signal, ms } (ms since `since()`). */
export function startFake(ctx, agent, args, opts = {}) {
  const { input = 'scenario: success\n', busybox = false } = opts;
  const [cmd, argv] = command(agent, args, busybox);
  const child = spawn(cmd, argv, { env: environment(ctx, opts), cwd: ctx.work, stdio: 'pipe' });
  child.stdin.end(input);
  const run = { child, stdout: '', stderr: '', mark: 0 };
  child.stdout.setEncoding('utf8').on('data', (d) => (run.stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d) => (run.stderr += d));
  run.exited = new Promise((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, ms: Date.now() - run.mark })),
  );
  return run;
}

/** Polls `predicate` every 20 ms until it returns a truthy value (throws after `ms`). */
export async function until(what, predicate, ms = 15_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Live processes whose parent is `pid`: [{ pid, comm, state }]. */
export function childrenOf(pid) {
  const out = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(ppid) === pid) out.push({ pid: Number(name), comm, state });
  }
  return out;
}

/** True once `pid` has exited (gone or a zombie). */
export function processGone(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

// ---------------------------------------------------------------------------------------------
// Invalid invocations

export const S = '11111111-2222-4333-8444-555555555555';
export const EXISTING = '99999999-8888-4777-8666-555555555555';

/**
 * The test `<agent> refuses invocations off the contract`: each case [name, args, code, stderr,
 * opts] exits `code` with `stderr` matched, prints nothing on stdout and creates no session.
 */
export function refusalTest(agent, cases) {
  test(`${agent} refuses invocations off the contract`, async (t) => {
    const ctx = setup(t);
    mkdirSync(join(ctx.home, 'sessions', agent), { recursive: true });
    writeFileSync(join(ctx.home, 'sessions', agent, EXISTING), 'existing\n');
    const before = readdirSync(join(ctx.home, 'sessions', agent)).sort();
    for (const [name, args, code, stderr, opts = {}] of cases) {
      await t.test(name, () => {
        const r = runFake(ctx, agent, args, opts);
        assert.equal(r.code, code, `${name}: ${r.stderr}`);
        assert.match(r.stderr, stderr);
        assert.equal(r.stdout, '');
        assert.deepEqual(readdirSync(join(ctx.home, 'sessions', agent)).sort(), before, 'no session created');
      });
    }
  });
}
