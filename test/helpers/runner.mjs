// A `jobctl serve` with runner executors and `jobctl runner` processes pulling from it, each
// runner in its own root (test/e2e/runner*.test.mjs). Short settings keep the tests quick: a
// runner polls for 2 s at a time and reports every 250 ms; leases are set per executor.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { BIN, testEnv, waitFor, assertMatchesSchema, settleRoot } from './jobctl.mjs';

/** A token file (0600) under `dir`. */
export function tokenFile(dir, name) {
  const path = join(dir, `${name}.token`);
  writeFileSync(path, `${randomBytes(24).toString('hex')}\n`, { mode: 0o600 });
  return path;
}

/**
 * Writes config.toml with one `[executors.NAME] type = "runner"` table per entry of `runners`
 * ({ name: { labels, lease, max_concurrent, extra } }); returns { config, tokens: {name: file} }.
 */
export function runnerConfig(base, runners) {
  const tokens = {};
  let text = '';
  for (const [name, o] of Object.entries(runners)) {
    tokens[name] = tokenFile(base, name);
    text += `[executors.${name}]\ntype = "runner"\ntoken_file = "${tokens[name]}"\n`;
    if (o.labels) text += `labels = ${JSON.stringify(o.labels)}\n`;
    if (o.lease) text += `lease = "${o.lease}"\n`;
    if (o.max_concurrent) text += `max_concurrent = ${o.max_concurrent}\n`;
    if (o.extra) text += `${o.extra}\n`;
  }
  const config = join(base, 'config.toml');
  writeFileSync(config, text);
  return { config, tokens };
}

/** The runner processes started on each root of runnerRoot(). */
const runnersOf = new Map();

/** A root for a runner, outside the server's test directory; removed after the test once settled. */
export function runnerRoot(t) {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'jobctl-runner-')));
  runnersOf.set(root, []);
  t.after(async () => {
    // Its runners first (after-hooks run in the order they were added), then its jobs.
    for (const { proc, exited } of runnersOf.get(root)) {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    }
    runnersOf.delete(root);
    await settleRoot(root);
    rmSync(root, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 });
  });
  return root;
}

/**
 * Starts `jobctl runner` (argv through `wrap`, e.g. into a network namespace) on `root` (runnerRoot)
 * and waits for its ready line. Resolves { proc, pid, ready, root, exited, stderr(), stop(signal) }.
 * With `expectFailure` it resolves the one JSON line and the exit code instead.
 */
export async function startRunner(t, { server, token, name, root, args = [], wrap = (a) => a, env = {}, cwd, expectFailure = false }) {
  const argv = wrap([BIN, 'runner', '--root', root, '--server', server, '--token-file', token, '--name', name, '--poll-wait', '2s', '--report-every', '250ms', '-v', ...args]);
  // An `env` value of undefined removes that variable.
  const fullEnv = Object.fromEntries(Object.entries({ ...testEnv(root), ...env }).filter(([, v]) => v !== undefined));
  const proc = spawn(argv[0], argv.slice(1), { env: fullEnv, cwd: cwd ?? root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  const stderr = [];
  proc.stdout.on('data', (d) => (stdout += d));
  proc.stderr.on('data', (d) => stderr.push(d));
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  runnersOf.get(root)?.push({ proc, exited });
  t.after(async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await exited;
  });
  if (expectFailure) {
    const { code } = await exited;
    return { code, json: JSON.parse(stdout.trim()), stderr: Buffer.concat(stderr).toString('utf8') };
  }
  const line = await Promise.race([
    waitFor(() => stdout.includes('\n') && stdout, { timeoutMs: 20000, what: `the ready line of runner ${name}` }),
    exited.then(({ code }) => { throw new Error(`jobctl runner exited ${code}: ${stdout}${Buffer.concat(stderr)}`); }),
  ]);
  const ready = JSON.parse(line.trim());
  assertMatchesSchema('runner', ready);
  return {
    proc, pid: proc.pid, ready, root, exited,
    stderr: () => Buffer.concat(stderr).toString('utf8'),
    async stop(signal = 'SIGTERM') {
      proc.kill(signal);
      return exited;
    },
  };
}

/**
 * A job that prints `count` numbered lines (each padded to `width` digits), one every `every`
 * seconds, then a last line without a newline; and the exact bytes it prints.
 */
export function numberedLines(count, width, every) {
  return {
    script: `i=0; while [ $i -lt ${count} ]; do i=$((i+1)); echo "line $i $(printf '%0${width}d' $i)"; sleep ${every}; done; printf end`,
    expected: Array.from({ length: count }, (_, k) => `line ${k + 1} ${String(k + 1).padStart(width, '0')}\n`).join('') + 'end',
  };
}

/** The text of a file, or '' while it does not exist. */
export function readText(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
