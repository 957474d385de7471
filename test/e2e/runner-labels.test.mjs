// Two runner executors carrying the same label, each with its runner: 40 jobs sent with
// `--label pool` are spread over both (the executor with a free slot first: its max_concurrent,
// docs/runners.md) and each runs exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withRoot, jobctl } from '../helpers/jobctl.mjs';
import { startServe } from '../helpers/serve.mjs';
import { runnerConfig, runnerRoot, startRunner } from '../helpers/runner.mjs';

const JOBS = 40;

test('two runners with the same labels and 40 jobs: each job runs once, both runners are used', { timeout: 240_000 }, async (t) => {
  const ctx = withRoot(t);
  const { config, tokens } = runnerConfig(ctx.base, { r1: { labels: ['pool'], max_concurrent: 3 }, r2: { labels: ['pool'], max_concurrent: 3 } });
  const server = await startServe(t, ctx.root, { env: { JOBCTL_CONFIG: config } });
  const run = (args) => ctx.run(args, { config });
  const roots = { r1: runnerRoot(t), r2: runnerRoot(t) };
  for (const name of ['r1', 'r2']) await startRunner(t, { server: server.url, token: tokens[name], name, root: roots[name], args: ['--label', 'pool'] });
  const runs = join(ctx.base, 'runs');
  const ids = [];
  for (let i = 0; i < JOBS; i++) {
    const { json } = await run(['run', '--label', 'pool', '--tag', 'pool', '--env', `N=${i}`, '--snapshot-after', '0', '--', 'sh', '-c', `echo "$N" >> ${runs}; sleep 0.2`]);
    assert.equal(json.ok, true, JSON.stringify(json));
    ids.push(json.job_id);
  }
  const waited = (await run(['wait', '--tag', 'pool', '--all', '--timeout', '200s'])).json;
  assert.equal(waited.pending?.length ?? 0, 0, JSON.stringify(waited.pending));
  assert.equal(waited.jobs.length, JOBS);
  for (const job of waited.jobs) assert.equal(job.state, 'exited', JSON.stringify(job));
  const lines = readFileSync(runs, 'utf8').trim().split('\n').map(Number).sort((a, b) => a - b);
  assert.deepEqual(lines, Array.from({ length: JOBS }, (_, i) => i), 'each job ran exactly once');
  const byExecutor = { r1: 0, r2: 0 };
  for (const job of waited.jobs) byExecutor[job.executor]++;
  assert.ok(byExecutor.r1 > 0 && byExecutor.r2 > 0, JSON.stringify(byExecutor));
  // Each runner ran exactly the jobs of its executor, once each.
  for (const name of ['r1', 'r2']) {
    const local = (await jobctl(['list', '--all', '--limit', '100'], { root: roots[name] })).json.jobs;
    assert.equal(local.length, byExecutor[name], `${name} ran its jobs once each`);
    assert.equal(new Set(local.map((j) => j.name)).size, local.length);
  }
});
