// The benchmark figures. Each takes the run context (see run.mjs) and resolves to one figure
// record (stats.mjs). Baseline and subject runs are interleaved (A B A B ...) so machine noise
// hits both, and one untimed warm-up of each comes first.
import { cp, readFile, rm, mkdir, writeFile } from 'node:fs/promises';
import { randomInt } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BenchError, jobctl, mustSucceed, pool } from './proc.mjs';
import { absoluteFigure, median, ratioFigure } from './stats.mjs';

const TERMINAL = new Set(['exited', 'killed', 'failed', 'lost']);

const nodeNoop = (ctx) => mustSucceed('node', ['-e', '0'], ctx.opts);

/** Interleaves `runs` pairs of (baseline, subject); each callback resolves to a duration in ms. */
export async function interleave(runs, baseline, subject) {
  await baseline();
  await subject();
  const b = [];
  const s = [];
  for (let i = 0; i < runs; i++) {
    b.push(await baseline());
    s.push(await subject());
  }
  return { b, s };
}

/** `run --snapshot-after 0 -- CMD...`; records the job for cleanup; resolves to the timed call. */
export async function startJob(ctx, cmd, extra = []) {
  const r = await jobctl(['run', '--snapshot-after', '0', ...extra, '--', ...cmd], ctx.opts);
  ctx.started.add(r.json.job_id);
  return r;
}

/** Polls `status` until the job is running with a verified supervisor and job pid. */
async function untilRunning(ctx, id) {
  for (let i = 0; i < 200; i++) {
    const st = (await jobctl(['status', id], ctx.opts)).json;
    if (st.state === 'running' && st.supervisor_pid && st.pid) return st;
    if (TERMINAL.has(st.state)) throw new BenchError(`job ${id} ended early: ${st.state}`);
    await sleep(50);
  }
  throw new BenchError(`job ${id} did not reach running`);
}

export async function killJob(ctx, id) {
  await jobctl(['kill', '--signal', 'KILL', id], ctx.opts);
  const w = await jobctl(['wait', '--timeout', '30s', id], ctx.opts);
  if (!TERMINAL.has(w.json.state)) throw new BenchError(`job ${id} not terminal after kill: ${w.json.state}`);
}

export async function runStartup(ctx) {
  const { b, s } = await interleave(
    ctx.runs.startup,
    async () => (await nodeNoop(ctx)).exit_ms,
    async () => (await startJob(ctx, ['true'])).first_line_ms,
  );
  return ratioFigure({
    id: 'run_startup',
    figure: 'run --snapshot-after 0 -- true',
    unit: 'ms',
    subject: s,
    baseline: b,
    baselineLabel: 'node -e 0',
    maxRatio: 2.0,
    note: 'subject timed from spawn until its JSON line arrives on stdout',
  });
}

export async function statusStartup(ctx) {
  const id = (await startJob(ctx, ['sleep', '300'])).json.job_id;
  try {
    await untilRunning(ctx, id);
    const { b, s } = await interleave(
      ctx.runs.startup,
      async () => (await nodeNoop(ctx)).exit_ms,
      async () => (await jobctl(['status', id], ctx.opts)).exit_ms,
    );
    return ratioFigure({
      id: 'status',
      figure: 'status ID (running job)',
      unit: 'ms',
      subject: s,
      baseline: b,
      baselineLabel: 'node -e 0',
      maxRatio: 1.5,
    });
  } finally {
    await killJob(ctx, id);
  }
}

export async function waitLag(ctx) {
  const lags = [];
  for (let i = 0; i < ctx.runs.startup; i++) {
    const id = (await startJob(ctx, ['sh', '-c', 'sleep 0.3'])).json.job_id;
    const w = await jobctl(['wait', id], ctx.opts);
    if (w.json.state !== 'exited' || !w.json.finished_at) {
      throw new BenchError(`wait ${id}: unexpected result ${JSON.stringify(w.json).slice(0, 300)}`);
    }
    lags.push(w.first_line_wall - Date.parse(w.json.finished_at));
  }
  return absoluteFigure({
    id: 'wait_lag',
    figure: 'wait lag (JSON arrival - finished_at)',
    unit: 'ms',
    subject: lags,
    maxValue: 50,
    note: "job: sh -c 'sleep 0.3'; wait spawned as soon as run returns",
  });
}

export async function throughput(ctx) {
  const n = ctx.sizes.throughputJobs;
  const t0 = process.hrtime.bigint();
  const ids = [];
  for (let i = 0; i < n; i++) ids.push((await startJob(ctx, ['true'])).json.job_id);
  const launchedS = Number(process.hrtime.bigint() - t0) / 1e9;
  const finals = await pool(ids, 8, async (id) => (await jobctl(['wait', '--timeout', '60s', id], ctx.opts)).json);
  const totalS = Number(process.hrtime.bigint() - t0) / 1e9;
  const bad = finals.filter((j) => j.state !== 'exited' || j.exit_code !== 0);
  if (bad.length) throw new BenchError(`${bad.length} of ${n} jobs did not exit 0 (e.g. ${JSON.stringify(bad[0]).slice(0, 200)})`);
  return absoluteFigure({
    id: 'throughput',
    figure: `${n} jobs back to back, all terminal`,
    unit: 'jobs/s',
    value: n / totalS,
    note: `${n} sequential run --snapshot-after 0 -- true, then wait on each (8 in parallel)`,
    extra: {
      jobs: n,
      total_s: Math.round(totalS * 1000) / 1000,
      launch_s: Math.round(launchedS * 1000) / 1000,
      launch_jobs_per_s: Math.round((n / launchedS) * 1000) / 1000,
    },
  });
}

async function smapsKb(pid, field) {
  const text = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  if (!m) throw new BenchError(`no ${field} line in /proc/${pid}/smaps_rollup`);
  return Number(m[1]);
}
const pssKb = (pid) => smapsKb(pid, 'Pss');

/** PSS and private memory of `count` idle Node processes running at once (the floor). */
async function idleNodeMemory(count) {
  const { spawn } = await import('node:child_process');
  const children = Array.from({ length: count }, () => spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }));
  try {
    await sleep(1500);
    let pss = 0;
    let priv = 0;
    for (const c of children) {
      pss += await smapsKb(c.pid, 'Pss');
      priv += (await smapsKb(c.pid, 'Private_Dirty')) + (await smapsKb(c.pid, 'Private_Clean'));
    }
    return { pssMb: (pss * 1024) / count / 1e6, privateMb: (priv * 1024) / count / 1e6 };
  } finally {
    children.forEach((c) => c.kill('SIGKILL'));
  }
}

export async function supervisorMemory(ctx) {
  const n = 10;
  const ids = [];
  try {
    for (let i = 0; i < n; i++) ids.push((await startJob(ctx, ['sleep', '300'])).json.job_id);
    const pids = [];
    for (const id of ids) pids.push((await untilRunning(ctx, id)).supervisor_pid);
    await sleep(1000); // let the supervisors settle after start-up
    const kbs = [];
    const privateKbs = [];
    for (const pid of pids) {
      const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmdline.includes('supervisor.cjs')) throw new BenchError(`pid ${pid} is not a supervisor: ${cmdline}`);
      kbs.push(await pssKb(pid));
      privateKbs.push((await smapsKb(pid, 'Private_Dirty')) + (await smapsKb(pid, 'Private_Clean')));
    }
    // For context: an idle `node -e 'setInterval(...)'` measured the same way, 10 at once.
    const idle = await idleNodeMemory(n);
    const perMb = (kbs.reduce((a, x) => a + x, 0) * 1024) / n / 1e6;
    return absoluteFigure({
      id: 'supervisor_pss',
      figure: `memory per running supervisor (PSS, ${n} jobs)`,
      unit: 'MB',
      value: perMb,
      maxValue: 10,
      note: `sum of Pss from /proc/PID/smaps_rollup of the supervisors / ${n}; MB = 10^6 bytes; private ${(privateKbs.reduce((a, x) => a + x, 0) * 1024 / n / 1e6).toFixed(1)} MB each; an idle node process: PSS ${idle.pssMb.toFixed(1)} MB, private ${idle.privateMb.toFixed(1)} MB`,
      extra: { pss_kb: kbs, private_kb: privateKbs, idle_node: idle },
    });
  } finally {
    for (const id of ids) await killJob(ctx, id);
  }
}

/** `run --wait` of a job writing the big size to stdout vs the shell writing it to a file. */
export async function bigOutput(ctx) {
  const { bytes, headArg, label } = ctx.sizes.big;
  const file = path.join(ctx.work, 'big.out');
  // Both sides start from the same disk state: the previous output deleted and written back.
  const settle = async () => {
    await mustSucceed('sync', [], ctx.opts);
  };
  const { b, s } = await interleave(
    ctx.runs.big,
    async () => {
      await settle();
      const r = await mustSucceed('sh', ['-c', `head -c ${headArg} /dev/zero > "$1"`, 'sh', file], ctx.opts);
      await rm(file, { force: true });
      return r.exit_ms;
    },
    async () => {
      await settle();
      const r = await jobctl(['run', '--wait', '--', 'head', '-c', headArg, '/dev/zero'], ctx.opts);
      const j = r.json;
      ctx.started.add(j.job_id);
      if (j.state !== 'exited' || j.exit_code !== 0 || j.stdout_total_bytes !== bytes) {
        throw new BenchError(`big job ${j.job_id}: state ${j.state}, exit ${j.exit_code}, ${j.stdout_total_bytes} bytes`);
      }
      await jobctl(['delete', j.job_id], ctx.opts).catch(async () => {
        await sleep(500); // its supervisor may still be finishing
        await jobctl(['delete', j.job_id], ctx.opts);
      });
      return r.exit_ms;
    },
  );
  return ratioFigure({
    id: 'run_wait_big',
    figure: `run --wait -- head -c ${headArg} /dev/zero (${label})`,
    unit: 'ms',
    subject: s,
    baseline: b,
    baselineLabel: `sh -c 'head -c ${headArg} /dev/zero > f'`,
    maxRatio: 1.2,
  });
}

/** `tail --tail-lines 1` vs `status` on the job left by bigOutput, which is then deleted. */
export async function tailBig(ctx) {
  // A log of text lines (the zeros of the big-output job have no line to find): the tail is
  // one line, so the answer is as small as status's and the figure shows the cost of finding it.
  const line = 'compiling module 0042 of 9000: src/some/path/file.rs ... ok';
  const made = await jobctl(['run', '--wait', '--', 'sh', '-c', `yes '${line}' | head -c ${ctx.sizes.big.headArg}`], ctx.opts);
  const id = made.json.job_id;
  ctx.bigJob = id;
  try {
    const { b, s } = await interleave(
      ctx.runs.startup,
      async () => (await jobctl(['status', id], ctx.opts)).exit_ms,
      async () => {
        const r = await jobctl(['tail', '--tail-lines', '1', id], ctx.opts);
        if (r.json.stdout_total_bytes !== ctx.sizes.big.bytes) throw new BenchError(`tail ${id}: wrong total`);
        return r.exit_ms;
      },
    );
    return ratioFigure({
      id: 'tail_big',
      figure: `tail --tail-lines 1 on a ${ctx.sizes.big.label} log`,
      unit: 'ms',
      subject: s,
      baseline: b,
      baselineLabel: 'status ID, same job',
      maxRatio: 1.2,
    });
  } finally {
    await jobctl(['delete', id], ctx.opts);
    ctx.bigJob = undefined;
  }
}

const ID_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';
const randomJobId = () => Array.from({ length: 20 }, () => ID_ALPHABET[randomInt(36)]).join('');

export async function listMany(ctx) {
  const n = ctx.sizes.listJobs;
  const root = path.join(ctx.work, 'list-root');
  await mkdir(root, { recursive: true });
  const opts = { ...ctx.opts, env: { ...ctx.opts.env, JOBCTL_ROOT: root } };
  const t0 = Date.now();
  // A few hundred real jobs made by jobctl, the rest cloned from them with fresh ids: creating
  // 10,000 through the CLI would take most of the run (about 14/s on 2 cores).
  const real = Math.min(n, 200);
  const ids = [];
  await pool(Array.from({ length: real }), 16, async () => {
    ids.push((await jobctl(['create', '--', 'true'], opts)).json.job_id);
  });
  for (let i = real; i < n; i++) {
    const template = ids[i % real];
    const id = randomJobId();
    await cp(path.join(root, template), path.join(root, id), { recursive: true });
    const metaPath = path.join(root, id, 'meta.json');
    const meta = JSON.parse(await readFile(metaPath, 'utf8'));
    meta.job_id = id;
    meta.created_at = new Date(Date.parse(meta.created_at) - i).toISOString();
    await writeFile(metaPath, JSON.stringify(meta));
    if (i % 1000 === 0) ctx.log(`list: ${i}/${n} jobs`);
  }
  const createS = (Date.now() - t0) / 1000;
  // The index caches only jobs whose directory has been quiet for 2 s; the first list builds it.
  await sleep(2500);
  const cold = await jobctl(['list', '--all', '--limit', '50'], opts);
  const { b, s } = await interleave(
    ctx.runs.startup,
    async () => (await nodeNoop(ctx)).exit_ms,
    async () => {
      const r = await jobctl(['list', '--all', '--limit', '50'], opts);
      if (r.json.jobs.length !== 50 || (r.json.total !== undefined && r.json.total !== n)) {
        throw new BenchError(`list: ${r.json.jobs.length} jobs, total ${r.json.total}, expected 50 of ${n}`);
      }
      return r.exit_ms;
    },
  );
  await rm(root, { recursive: true, force: true });
  return ratioFigure({
    id: 'list_many',
    figure: `list --all --limit 50 over ${n} jobs`,
    unit: 'ms',
    subject: s,
    baseline: b,
    baselineLabel: 'node -e 0',
    maxRatio: 3.0,
    note: `${real} jobs made with create -- true and ${n - real} cloned from them, in ${createS.toFixed(0)} s; the first list (building the index) took ${cold.exit_ms.toFixed(0)} ms`,
  });
}

/** Lines of a Claude stream-json run: an assistant turn with a tool call and its result. */
function agentStreamLines(count) {
  const session = '9c1e7f3a-2b7a-4e8e-9d4a-1c2b3d4e5f60';
  const out = [JSON.stringify({ type: 'system', subtype: 'init', session_id: session, model: 'claude-sonnet-4-5', tools: ['Bash', 'Read', 'Edit'] })];
  const output = 'x'.repeat(600);
  for (let i = 0; i < count; i++) {
    out.push(JSON.stringify({ type: 'assistant', message: { id: `msg_${i}`, role: 'assistant', model: 'claude-sonnet-4-5', content: [{ type: 'text', text: `Step ${i}: running the tests.` }, { type: 'tool_use', id: `toolu_${i}`, name: 'Bash', input: { command: `npm test -- --grep case-${i}` } }], usage: { input_tokens: 4, output_tokens: 58 } }, session_id: session }));
    out.push(JSON.stringify({ type: 'user', message: { role: 'user', content: [{ tool_use_id: `toolu_${i}`, type: 'tool_result', content: output, is_error: i % 7 === 0 }] }, session_id: session }));
  }
  out.push(JSON.stringify({ type: 'result', subtype: 'success', is_error: false, num_turns: count, result: 'done', session_id: session, total_cost_usd: 1.5, usage: { input_tokens: 9, output_tokens: 77 } }));
  return `${out.join('\n')}\n`;
}

/**
 * An agent job whose CLI prints a long stream (the supervisor parses every line into the
 * activity record) against a shell job printing the same bytes: what the parsing costs `run --wait`.
 */
export async function agentStream(ctx) {
  const turns = ctx.quick ? 10_000 : 50_000;
  const stream = path.join(ctx.work, 'agent-stream.jsonl');
  await writeFile(stream, agentStreamLines(turns));
  const cli = path.join(ctx.work, 'fake-claude');
  await writeFile(cli, `#!/bin/sh\ncat >/dev/null\nexec cat '${stream}'\n`, { mode: 0o755 });
  const config = path.join(ctx.work, 'agent-config.toml');
  await writeFile(config, `[executors.local]\nclaude_path = "${cli}"\n`);
  const bytes = (await readFile(stream)).length;
  const runOne = async (args) => {
    const r = await jobctl(['run', '--wait', '--config', config, ...args], ctx.opts);
    ctx.started.add(r.json.job_id);
    if (r.json.state !== 'exited' || r.json.stdout_total_bytes !== bytes) throw new BenchError(`agent bench job ${r.json.job_id}: ${r.json.state}, ${r.json.stdout_total_bytes} bytes`);
    return r;
  };
  const { b, s } = await interleave(
    ctx.runs.big,
    async () => (await runOne(['--', 'cat', stream])).exit_ms,
    async () => {
      const r = await runOne(['--prompt', 'go']);
      if (r.json.agent?.outcome !== 'success' || r.json.agent.turns !== turns) throw new BenchError(`agent bench: ${JSON.stringify(r.json.agent)}`);
      return r.exit_ms;
    },
  );
  const mb = bytes / 1e6;
  const perMb = s.map((ms, i) => Math.max(0, ms - (b[i] ?? 0)) / mb);
  return absoluteFigure({
    id: 'agent_stream',
    figure: 'agent stream parsing, extra ms per MB',
    unit: 'ms/MB',
    subject: perMb,
    maxValue: 20,
    note: `run --wait of an agent CLI printing ${turns.toLocaleString('en')} Claude turns (${mb.toFixed(0)} MB) at once, minus the same bytes from a shell job (medians ${Math.round(median(s))} vs ${Math.round(median(b))} ms); ≤ 20 ms/MB is ≥ 50 MB/s, far above what an agent prints`,
  });
}
