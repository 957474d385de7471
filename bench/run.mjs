// jobctl benchmark suite: start-up, wait latency, big output, tail, list, the event log, supervisor
// memory, throughput, the HTTP server's status latency and event-stream lag, each next to a
// baseline measured in the same run. Prints a table on stdout and
// writes the same figures to bench/results/latest.json. Progress goes to stderr.
//
//   node bench/run.mjs [--quick] [--only id,id,...] [--fanout-jobs N]
//
// --fanout-jobs N: N jobs instead of 10,000 (500 quick) for the fan-out figures (targets scale).
//
// The jobctl under test is a copy of bin/ and dist/ taken at start (node_modules linked), so a
// rebuild of dist/ during a long run can neither break it nor mix two builds in one report.
//
// Exit status: 0 when every figure was measured (whether or not its target was met), 1 when
// the benchmark itself failed (a command returned ok:false, a job misbehaved, ...).
import { cp, mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import * as figures from './lib/figures.mjs';
import * as fanout from './lib/fanout.mjs';
import * as serve from './lib/serve.mjs';
import { eventsJob } from './lib/events.mjs';
import { jobctl, useJobctl } from './lib/proc.mjs';
import { machineInfo, renderTable } from './lib/report.mjs';

const projectDir = fileURLToPath(new URL('..', import.meta.url));
const argvEarly = process.argv.slice(2);
// Full runs are kept (latest.json is committed); quick runs only prove the suite works.
const resultsFile = path.join(projectDir, 'bench', 'results', argvEarly.includes('--quick') ? 'quick.json' : 'latest.json');

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const onlyArg = argv.find((a, i) => a.startsWith('--only=') || argv[i - 1] === '--only');
const only = onlyArg ? new Set(onlyArg.replace(/^--only=/, '').split(',')) : undefined;

const fanoutArg = argv.find((a, i) => a.startsWith('--fanout-jobs=') || argv[i - 1] === '--fanout-jobs');
const fanoutJobs = fanoutArg === undefined ? undefined : Number(fanoutArg.replace(/^--fanout-jobs=/, ''));
if (fanoutJobs !== undefined && !(Number.isInteger(fanoutJobs) && fanoutJobs > 0)) throw new Error('--fanout-jobs takes a positive integer');

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const config = quick
  ? {
      runs: { startup: 5, big: 1 },
      sizes: { big: { bytes: 64 * MiB, headArg: '64M', label: '64 MiB' }, listJobs: 500, throughputJobs: 100, fanoutJobs: 500, fanoutThroughputJobs: 100 },
    }
  : {
      runs: { startup: 15, big: 7 },
      sizes: { big: { bytes: GiB, headArg: '1G', label: '1 GiB' }, listJobs: 10_000, throughputJobs: 100, fanoutJobs: 10_000, fanoutThroughputJobs: 1000 },
    };

if (fanoutJobs !== undefined) config.sizes.fanoutJobs = fanoutJobs;

const plan = [
  ['run_startup', figures.runStartup],
  ['status', figures.statusStartup],
  ['wait_lag', figures.waitLag],
  ['throughput', figures.throughput],
  ['supervisor_pss', figures.supervisorMemory],
  ['run_wait_big', figures.bigOutput],
  ['tail_big', figures.tailBig],
  ['list_many', figures.listMany],
  ['events_job', eventsJob],
  ['agent_stream', figures.agentStream],
  ['fanout_queued', fanout.queuedMany],
  ['fanout_handover', fanout.handOver],
  ['fanout_throughput', fanout.fanThroughput],
  ['serve_status', serve.statusLatency],
  ['serve_sse_lag', serve.sseLag],
].filter(([id]) => !only || only.has(id) || (id === 'run_wait_big' && only.has('tail_big')));

const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);

/**
 * Copies bin/, dist/ and package.json into `dir`, links node_modules, and uses that copy once
 * it answers `version`. A copy that races a rebuild of dist/ is retried.
 */
async function snapshotJobctl(dir, opts) {
  for (let attempt = 1; ; attempt++) {
    try {
      await rm(dir, { recursive: true, force: true });
      for (const name of ['bin', 'dist', 'package.json']) {
        await cp(path.join(projectDir, name), path.join(dir, name), { recursive: true });
      }
      await symlink(path.join(projectDir, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
      useJobctl(path.join(dir, 'bin', 'jobctl'));
      return (await jobctl(['version'], opts)).json.version;
    } catch (e) {
      if (attempt >= 5) throw e;
      log(`copying jobctl failed (${e.message.split('\n')[0]}); retrying`);
      await sleep(2000);
    }
  }
}

async function main() {
  const work = await mkdtemp(path.join(os.tmpdir(), 'jobctl-bench-'));
  const root = path.join(work, 'jobs');
  const jobsCwd = path.join(work, 'cwd');
  await mkdir(jobsCwd, { recursive: true });
  // An empty config file keeps a user's own config out of the measurements.
  const configFile = path.join(work, 'config.toml');
  await writeFile(configFile, '');
  const env = { ...process.env, JOBCTL_ROOT: root, JOBCTL_CONFIG: configFile };
  delete env.JOBCTL_LOG;
  const ctx = { ...config, quick, work, projectDir, opts: { env, cwd: jobsCwd }, started: new Set(), log };

  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    log('cleaning up');
    await killLeftovers(ctx);
    await rm(work, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    log('interrupted');
    cleanup().finally(() => process.exit(130));
  });

  const t0 = Date.now();
  const results = [];
  let failure;
  try {
    ctx.version = await snapshotJobctl(path.join(work, 'jobctl'), ctx.opts);
    log(`${quick ? 'quick' : 'full'} mode; work dir ${work}`);
    if (quick) log('quick mode: 5 runs per start-up figure, 1 per big-output figure, 64 MiB instead of 1 GiB, 500 jobs instead of 10,000 for list');
    for (const [id, fn] of plan) {
      const t = Date.now();
      log(`${id} ...`);
      const fig = await fn(ctx);
      log(`${id} done in ${((Date.now() - t) / 1000).toFixed(1)} s`);
      if (!only || only.has(id)) results.push(...(Array.isArray(fig) ? fig : [fig]));
    }
  } catch (e) {
    failure = e;
  } finally {
    try {
      await cleanup();
    } catch (e) {
      failure ??= e;
    }
  }
  if (failure) {
    process.stderr.write(`bench failed: ${failure.stack ?? failure}\n`);
    return 1;
  }

  const elapsedS = Math.round((Date.now() - t0) / 100) / 10;
  const report = {
    mode: quick ? 'quick' : 'full',
    ...(quick ? { quick_note: 'quick mode: fewer runs, 64 MiB instead of 1 GiB, 500 jobs instead of 10,000' } : {}),
    elapsed_s: elapsedS,
    runs: ctx.runs,
    machine: await machineInfo(ctx),
    figures: results,
  };
  // A partial run (--only) prints its table but leaves the recorded results alone.
  if (!only) {
    await mkdir(path.dirname(resultsFile), { recursive: true });
    await writeFile(resultsFile, JSON.stringify(report, null, 2) + '\n');
  }

  const m = report.machine;
  const lines = [
    `jobctl ${m.jobctl_version} benchmark — ${report.mode} mode (medians of ${ctx.runs.startup} start-up runs, ${ctx.runs.big} big-output run${ctx.runs.big === 1 ? '' : 's'})`,
    ...(quick ? ['QUICK MODE: 64 MiB instead of 1 GiB, 500 jobs instead of 10,000 for list; not comparable with full-mode targets'] : []),
    `${m.cpus} × ${m.cpu_model}, ${(m.total_mem_bytes / GiB).toFixed(1)} GiB RAM, Node ${m.node_version}, ${m.os}`,
    '',
    renderTable(results),
    '',
    `${results.filter((f) => f.met === true).length} of ${results.filter((f) => f.met !== null).length} targets met; took ${elapsedS} s; ${only ? 'partial run (--only), results file not written' : `written to ${path.relative(process.cwd(), resultsFile)}`}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
  return 0;
}

/** Kills (SIGKILL), by job id, every job in this run's own root that is not terminal yet. */
async function killLeftovers(ctx) {
  for (const state of ['running', 'queued']) {
    const listed = await jobctl(['list', '--all', '--state', state, '--limit', '100000'], ctx.opts).catch(() => undefined);
    for (const job of listed?.json.jobs ?? []) {
      log(`killing leftover job ${job.job_id}`);
      await figures.killJob(ctx, job.job_id).catch((e) => log(`could not kill ${job.job_id}: ${e.message}`));
    }
  }
}

process.exitCode = await main();
