// Benchmarks of `jobctl serve`: the latency of `GET /v1/jobs/{id}` (p50, p99) against the CLI's
// `status` in the same run, and how long after a job's finished_at its job.finished event
// arrives on the server-sent event stream.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { BenchError, jobctl, jobctlPath } from './proc.mjs';
import { ratioFigure, absoluteFigure } from './stats.mjs';
import { killJob, startJob } from './figures.mjs';

const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const round = (x) => Math.round(x * 1000) / 1000;

/** Starts `jobctl serve` on a free loopback port; resolves { url, token, stop }. */
async function startServe(ctx) {
  const proc = spawn(jobctlPath(), ['serve', '--listen', '127.0.0.1:0'], { ...ctx.opts, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  const line = await new Promise((resolve, reject) => {
    proc.stdout.on('data', (d) => { out += d; if (out.includes('\n')) resolve(out); });
    proc.once('exit', (code) => reject(new BenchError(`jobctl serve exited ${code}: ${out}`)));
  });
  const ready = JSON.parse(line);
  const token = (await readFile(ready.token_file, 'utf8')).trim();
  return { url: new URL(ready.url), token, stop: async () => { proc.kill('SIGTERM'); await exited; } };
}

function get(server, agent, path, headers = {}) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = request({ host: server.url.hostname, port: server.url.port, path, agent, headers: { authorization: `Bearer ${server.token}`, ...headers } }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode, ms: Number(process.hrtime.bigint() - t0) / 1e6, json: JSON.parse(Buffer.concat(chunks)) }));
    });
    req.on('error', reject);
    req.end();
  });
}

export async function statusLatency(ctx) {
  const server = await startServe(ctx);
  const id = (await startJob(ctx, ['sleep', '300'])).json.job_id;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const http = [];
    const cli = [];
    await get(server, agent, `/v1/jobs/${id}`);
    await jobctl(['status', id], ctx.opts);
    const httpRuns = ctx.quick ? 100 : 500;
    for (let i = 0; i < httpRuns; i++) {
      const r = await get(server, agent, `/v1/jobs/${id}`);
      if (r.status !== 200 || r.json.job_id !== id) throw new BenchError(`GET /v1/jobs/${id}: ${r.status} ${JSON.stringify(r.json).slice(0, 200)}`);
      http.push(r.ms);
      // The CLI is sampled between HTTP calls, as often as the start-up figures sample it.
      if (i % Math.floor(httpRuns / ctx.runs.startup) === 0 && cli.length < ctx.runs.startup) cli.push((await jobctl(['status', id], ctx.opts)).exit_ms);
    }
    const p = { p50_ms: round(percentile(http, 50)), p99_ms: round(percentile(http, 99)), cli_p50_ms: round(percentile(cli, 50)), cli_p99_ms: round(percentile(cli, 99)) };
    const note = `HTTP p50 ${p.p50_ms} ms, p99 ${p.p99_ms} ms over ${http.length} requests; CLI status p50 ${p.cli_p50_ms} ms, p99 ${p.cli_p99_ms} ms over ${cli.length} runs`;
    return { ...ratioFigure({ id: 'serve_status', figure: 'GET /v1/jobs/{id} (keep-alive) vs status ID', unit: 'ms', subject: http, baseline: cli, baselineLabel: 'jobctl status', maxRatio: 0.5, note }), ...p };
  } finally {
    agent.destroy();
    await killJob(ctx, id);
    await server.stop();
  }
}

export async function sseLag(ctx) {
  const server = await startServe(ctx);
  const arrivals = new Map();
  let head = 0;
  const stream = request({ host: server.url.hostname, port: server.url.port, path: '/v1/events?type=job.finished', headers: { authorization: `Bearer ${server.token}`, accept: 'text/event-stream' } }, (res) => {
    let buffer = '';
    res.setEncoding('utf8');
    res.on('data', (chunk) => {
      const now = Date.now();
      buffer += chunk;
      let at;
      while ((at = buffer.indexOf('\n\n')) !== -1) {
        const data = buffer.slice(0, at).split('\n').find((l) => l.startsWith('data: '));
        buffer = buffer.slice(at + 2);
        if (data) arrivals.set(JSON.parse(data.slice(6)).job_id, now);
      }
    });
  });
  stream.on('error', () => undefined);
  stream.end();
  const lags = [];
  try {
    const runs = ctx.runs.startup;
    for (let i = 0; i < runs; i++) {
      const id = (await startJob(ctx, ['sh', '-c', 'sleep 0.3'])).json.job_id;
      const w = await jobctl(['wait', id, '--timeout', '30s'], ctx.opts);
      for (let tries = 0; !arrivals.has(id) && tries < 200; tries++) await new Promise((r) => setTimeout(r, 10));
      if (!arrivals.has(id)) throw new BenchError(`job.finished of ${id} never arrived on the stream`);
      lags.push(arrivals.get(id) - Date.parse(w.json.finished_at));
      head++;
    }
  } finally {
    stream.destroy();
    await server.stop();
  }
  return absoluteFigure({ id: 'serve_sse_lag', figure: 'SSE job.finished arrival - finished_at', unit: 'ms', subject: lags, maxValue: 50, note: `${head} jobs (sh -c 'sleep 0.3'), one stream filtered to job.finished; max ${Math.max(...lags)} ms` });
}
