// Fan-out figures (waiting jobs hold no process; submit; fan-in): N jobs queued behind a limit
// of 2 — the memory and idle CPU of every jobctl process meanwhile, submit's time, `run`, `list`
// and `queue` next to the same calls on an empty root or `node -e 0` — then the hand-over
// latency through a limit of 1 and the throughput of `true` jobs through a limit of 8 against
// task-spooler (`tsp -S 8`) in the same run. Each uses its own root, torn down by pid and rm.
import { readFile, readdir, rm, mkdir, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BenchError, jobctl, mustSucceed } from './proc.mjs';
import { absoluteFigure, minRatioFigure, ratioFigure } from './stats.mjs';
import { interleave } from './figures.mjs';

/** A root of its own with `[queues.NAME] max_concurrent = max`; its opts for jobctl(). */
async function limitedRoot(ctx, name, max) {
  const dir = path.join(ctx.work, `fanout-${name}`);
  await mkdir(dir, { recursive: true });
  const config = path.join(dir, 'config.toml');
  await writeFile(config, `[queues.${name}]\nmax_concurrent = ${max}\n`);
  return { dir, root: path.join(dir, 'jobs'), opts: { ...ctx.opts, env: { ...ctx.opts.env, JOBCTL_ROOT: path.join(dir, 'jobs'), JOBCTL_CONFIG: config } } };
}

async function submit(ctx, opts, lines) {
  const file = path.join(ctx.work, `submit-${Date.now()}.ndjson`);
  await writeFile(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  const r = await jobctl(['submit', file], opts);
  await rm(file);
  return r;
}

/** Pids of this run's jobctl processes (supervisors, the retry timer, deliverers) under `root`. */
async function jobctlProcesses(root) {
  const out = [];
  for (const pid of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(pid)) continue;
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes('supervisor.cjs') && cmd.includes(root)) out.push(Number(pid));
  }
  return out;
}
const smapsKb = async (pid, field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => ''))?.[1] ?? 0);
const cpuTicks = async (pid) => {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11] ?? 0) + Number(f[12] ?? 0);
};

/** Pids of the jobs started under `root`: their environment names it (they inherit JOBCTL_ROOT). */
async function jobProcesses(root) {
  const out = [];
  for (const pid of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    const env = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
    if (env.split('\0').includes(`JOBCTL_ROOT=${root}`)) out.push(Number(pid));
  }
  return out;
}

/**
 * SIGKILLs what runs under `root` and removes it: the supervisors and the timer first (a
 * supervisor whose job is killed would start the next queued one), then the recorded job groups,
 * then any job process left (one started but not yet recorded when its supervisor was killed).
 */
async function teardown(root) {
  for (const pid of await jobctlProcesses(root)) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  for (const id of await readdir(root).catch(() => [])) {
    const st = JSON.parse(await readFile(path.join(root, id, 'state.json'), 'utf8').catch(() => '{}'));
    if (st.pid) try { process.kill(-st.pid, 'SIGKILL'); } catch { /* gone */ }
  }
  for (const pid of await jobProcesses(root)) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  await rm(path.dirname(root), { recursive: true, force: true });
}

/** Every queued-root figure: submit, memory, idle CPU, run, list, queue. */
export async function queuedMany(ctx) {
  const n = ctx.sizes.fanoutJobs;
  const q = await limitedRoot(ctx, 'fan', 2);
  const empty = await limitedRoot(ctx, 'empty', 2);
  const figures = [];
  try {
    const lines = Array.from({ length: n }, () => ({ command: ['sleep', '100000'], queue: 'fan', tags: ['fan'] }));
    const sub = await submit(ctx, q.opts, lines);
    if (sub.json.count !== n) throw new BenchError(`submit created ${sub.json.count} of ${n}`);
    figures.push(absoluteFigure({ id: 'fanout_submit', figure: `submit of ${n} jobs behind a limit of 2`, unit: 's', value: sub.exit_ms / 1000, maxValue: 30 * (n / 10_000), note: 'one call, NDJSON file; target 30 s for 10,000' }));
    await sleep(3000); // the two running jobs' supervisors settle
    const pids = await jobctlProcesses(q.root);
    const runningJobs = (await jobctl(['list', '--all', '--state', 'running'], q.opts)).json.jobs;
    const supervisors = new Set(await Promise.all(runningJobs.map(async (j) => (await jobctl(['status', j.job_id], q.opts)).json.supervisor_pid)));
    let pss = 0;
    let runningPss = 0;
    for (const pid of pids) {
      const kb = await smapsKb(pid, 'Pss');
      pss += kb;
      if (supervisors.has(pid)) runningPss += kb;
    }
    const running = runningJobs.length;
    const t0 = await Promise.all(pids.map(cpuTicks));
    await sleep(10_000);
    const t1 = await Promise.all(pids.map(cpuTicks));
    const cpuPct = ((t1.reduce((a, x) => a + x, 0) - t0.reduce((a, x) => a + x, 0)) / 100 / 10) * 100;
    figures.push(absoluteFigure({ id: 'fanout_memory', figure: `PSS of all jobctl processes, ${n} queued behind a limit of 2`, unit: 'MB', value: (pss * 1024) / 1e6, maxValue: (runningPss * 1024) / 1e6 + 30, note: `${pids.length} jobctl processes, ${running} of them the running jobs' supervisors (${((runningPss * 1024) / 1e6).toFixed(1)} MB); target: those + 30 MB` }));
    figures.push(absoluteFigure({ id: 'fanout_idle_cpu', figure: `CPU of all jobctl processes over 10 s, ${n} queued, nothing changing`, unit: '% of a core', value: cpuPct, note: 'utime+stime from /proc/PID/stat; reported, target ≈ 0' }));
    const node = async () => (await mustSucceed('node', ['-e', '0'], ctx.opts)).exit_ms;
    const runs = ctx.runs.startup;
    const run = await interleave(runs, async () => (await jobctl(['run', '--snapshot-after', '0', '--', 'true'], empty.opts)).first_line_ms, async () => (await jobctl(['run', '--snapshot-after', '0', '--', 'true'], q.opts)).first_line_ms);
    figures.push(ratioFigure({ id: 'fanout_run', figure: `run --snapshot-after 0 -- true with ${n} queued`, unit: 'ms', subject: run.s, baseline: run.b, baselineLabel: 'the same on an empty root', maxRatio: 1.2 }));
    const list = await interleave(runs, node, async () => (await jobctl(['list', '--all', '--state', 'queued', '--limit', '50'], q.opts)).exit_ms);
    figures.push(ratioFigure({ id: 'fanout_list', figure: `list --state queued --limit 50 with ${n} queued`, unit: 'ms', subject: list.s, baseline: list.b, baselineLabel: 'node -e 0', maxRatio: 3 }));
    const queue = await interleave(runs, node, async () => (await jobctl(['queue'], q.opts)).exit_ms);
    figures.push(ratioFigure({ id: 'fanout_queue', figure: `queue with ${n} queued`, unit: 'ms', subject: queue.s, baseline: queue.b, baselineLabel: 'node -e 0', maxRatio: 3 }));
  } finally {
    await teardown(q.root);
    await teardown(empty.root);
  }
  return figures;
}

/** Median gap between a job's finished_at and the next job's started_at through a limit of 1. */
export async function handOver(ctx) {
  const n = 30;
  const h = await limitedRoot(ctx, 'one', 1);
  try {
    await submit(ctx, h.opts, Array.from({ length: n }, () => ({ command: ['true'], queue: 'one', tags: ['h'] })));
    const done = (await jobctl(['wait', '--tag', 'h', '--timeout', '300s'], h.opts)).json;
    if (done.wait_timed_out) throw new BenchError('hand-over jobs did not end');
    const states = await Promise.all(done.jobs.map(async (j) => JSON.parse(await readFile(path.join(h.root, j.job_id, 'state.json'), 'utf8'))));
    states.sort((a, b) => Date.parse(a.started_at) - Date.parse(b.started_at));
    const gaps = states.slice(1).map((s, i) => Date.parse(s.started_at) - Date.parse(states[i].finished_at));
    return absoluteFigure({ id: 'fanout_handover', figure: 'hand-over: next start − predecessor finished_at (limit 1)', unit: 'ms', subject: gaps, maxValue: 50, note: `${n} true jobs submitted at once; median of ${gaps.length} gaps` });
  } finally {
    await teardown(h.root);
  }
}

/** `true` jobs through a limit of 8, first submission to last end: jobctl vs tsp -S 8. */
export async function fanThroughput(ctx) {
  const n = ctx.sizes.fanoutThroughputJobs;
  const t = await limitedRoot(ctx, 'eight', 8);
  let jobctlS;
  try {
    const t0 = process.hrtime.bigint();
    await submit(ctx, t.opts, Array.from({ length: n }, () => ({ command: ['true'], queue: 'eight', tags: ['t'] })));
    const done = (await jobctl(['wait', '--tag', 't', '--timeout', '1800s'], t.opts)).json;
    if (done.wait_timed_out || done.jobs.some((j) => j.exit_code !== 0)) throw new BenchError('throughput jobs did not all exit 0');
    jobctlS = Number(process.hrtime.bigint() - t0) / 1e9;
  } finally {
    await teardown(t.root);
  }
  const tspS = tspRun(ctx, n);
  const rate = n / jobctlS;
  const tspRate = tspS === undefined ? undefined : n / tspS;
  return minRatioFigure({
    id: 'fanout_throughput',
    figure: `${n} true jobs through a limit of 8 (submit → last end)`,
    unit: 'jobs/s',
    value: rate,
    baseline: tspRate,
    baselineLabel: 'task-spooler -S 8',
    minRatio: 0.5,
    note: tspRate === undefined ? 'task-spooler (tsp) not installed: no baseline' : `jobctl ${jobctlS.toFixed(1)} s, task-spooler ${tspS.toFixed(1)} s (one tsp call per job, from node); target: at least half its rate`,
    extra: { jobctl_s: jobctlS, ...(tspS !== undefined ? { tsp_s: tspS } : {}) },
  });
}

/** Seconds for `n` `true` jobs through task-spooler with 8 slots, or undefined without tsp. */
function tspRun(ctx, n) {
  const env = { ...process.env, TS_SOCKET: path.join(ctx.work, 'tsp.socket'), TS_MAXFINISHED: String(n + 10), TMPDIR: ctx.work };
  try {
    execFileSync('tsp', ['-S', '8'], { env });
  } catch {
    return undefined;
  }
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) execFileSync('tsp', ['true'], { env, stdio: 'ignore' });
  execFileSync('tsp', ['-w'], { env, stdio: 'ignore' });
  // -w waits for the last job queued; the others ended before it started or run beside it.
  while (execFileSync('tsp', [], { env, encoding: 'utf8' }).includes('running')) execFileSync('sleep', ['0.05']);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  try { execFileSync('tsp', ['-K'], { env }); } catch { /* already gone */ }
  return s;
}

