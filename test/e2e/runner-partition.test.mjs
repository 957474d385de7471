// A network partition between a runner and its server: the runner runs inside a network
// namespace (test/helpers/netns.mjs: unreachable route for 10.77.0.0/16 first, the link cut
// from inside the namespace) and pulls from a server listening on the namespace's root-side
// address. The link is cut for 20 s while the job prints: the job is `remote_unreachable` (still
// running) meanwhile; once healed, the runner resends from the server's offsets and the
// server's log is byte-identical.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withRoot, waitFor, jobctl } from '../helpers/jobctl.mjs';
import { startNetnsHost } from '../helpers/netns.mjs';
import { startServe } from '../helpers/serve.mjs';
import { numberedLines, readText, runnerConfig, runnerRoot, startRunner, tokenFile } from '../helpers/runner.mjs';

let host;
before(async (t) => {
  host = await startNetnsHost(t);
});

const LINES = 300;
const CUT_MS = 20_000;

test('partition: the link to the runner is cut for 20 s mid-job, then healed; remote_unreachable meanwhile, nothing lost or repeated', { timeout: 180_000 }, async (t) => {
  if (host === undefined) {
    t.skip('netns missing (see the before hook)');
    return;
  }
  const { run: jobctlRun, base, root } = withRoot(t);
  const { config, tokens } = runnerConfig(base, { far: { lease: '120s' } });
  const run = (args) => jobctlRun(args, { config });
  // Listening on a non-loopback address takes an explicit client token.
  const server = await startServe(t, root, { env: { JOBCTL_CONFIG: config }, listen: `${host.hostAddress}:0`, args: ['--token-file', tokenFile(base, 'client')] });
  const rroot = runnerRoot(t);
  await startRunner(t, { server: server.url, token: tokens.far, name: 'far', root: rroot, wrap: host.wrap });
  // About 30 s of output: a line every 100 ms, numbered, plus a last line without a newline.
  const { script, expected } = numberedLines(LINES, 100, 0.1);
  const { json } = await run(['run', '--executor', 'far', '--snapshot-after', '0', '--', 'sh', '-c', script]);
  const log = join(root, json.job_id, 'stdout.log');
  await waitFor(() => readText(log).includes('line 10 '), { timeoutMs: 30_000, what: 'the first lines to arrive' });

  await host.cut();
  const cutAt = Date.now();
  const unreachable = await waitFor(async () => {
    const st = (await run(['status', json.job_id])).json;
    assert.equal(st.state, 'running', 'a partition does not end the job');
    return st.remote_unreachable;
  }, { timeoutMs: CUT_MS, intervalMs: 250, what: 'remote_unreachable to be reported' });
  assert.match(unreachable.error, /runner far not heard from/);
  const duringCut = readText(log).length;
  // The cut lasts its full 20 s (the fault itself), then heals.
  await new Promise((r) => setTimeout(r, Math.max(0, CUT_MS - (Date.now() - cutAt))));
  assert.equal((await run(['status', json.job_id])).json.state, 'running');
  await host.heal();

  const done = (await run(['wait', json.job_id, '--timeout', '120s'])).json;
  assert.equal(done.state, 'exited', JSON.stringify(done));
  assert.equal(done.exit_code, 0);
  const got = readFileSync(log, 'utf8');
  assert.equal(got.length, expected.length, 'no byte lost, none duplicated');
  assert.equal(got, expected);
  assert.ok(duringCut < expected.length, `copied ${duringCut} of ${expected.length} bytes while cut`);
  assert.equal((await run(['status', json.job_id])).json.remote_unreachable, undefined);
  assert.equal((await jobctl(['list', '--all'], { root: rroot })).json.jobs.length, 1, 'one local job on the runner');
});
