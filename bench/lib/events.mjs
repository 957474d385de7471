// The event-log figure: `events --job ID` over a log of 1,000,000 events of 10,000 jobs (quick
// mode: 100,000 of 1,000), against `node -e 0` in the same run. The log is filled through the
// store module of the jobctl under test, in one transaction; each job's events are spread over
// the whole log (event i belongs to job i mod jobs), so only the index finds them fast.
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BenchError, jobctl, mustSucceed } from './proc.mjs';
import { ratioFigure } from './stats.mjs';
import { interleave } from './figures.mjs';

const TYPES = ['job.created', 'job.queued', 'job.started', 'job.finished'];
const jobIdOf = (i) => `bench${String(i).padStart(15, '0')}`;

function* fill(events, jobs, start) {
  for (let i = 0; i < events; i++) {
    yield {
      event_type: TYPES[i % TYPES.length],
      at: new Date(start + i).toISOString(),
      job_id: jobIdOf(i % jobs),
      tags: ['bench'],
      executor: 'local',
      ...(i % TYPES.length === 3 ? { state: 'exited', exit_code: 0 } : { attempt: 1 }),
    };
  }
}

export async function eventsJob(ctx) {
  const events = ctx.quick ? 100_000 : 1_000_000;
  const jobs = ctx.quick ? 1_000 : 10_000;
  const root = path.join(ctx.work, 'events-root');
  await mkdir(root, { recursive: true });
  const store = await import(pathToFileURL(path.join(ctx.work, 'jobctl', 'dist', 'lib', 'store', 'event-log.js')).href);
  const t0 = Date.now();
  store.insertEventsBulk(root, fill(events, jobs, Date.now() - events));
  store.closeEventLog(root);
  ctx.log(`events: ${events} events written in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const opts = { ...ctx.opts, env: { ...ctx.opts.env, JOBCTL_ROOT: root } };
  const target = jobIdOf(Math.floor(jobs / 2));
  const per = events / jobs;
  const { b, s } = await interleave(
    ctx.runs.startup,
    async () => (await mustSucceed('node', ['-e', '0'], ctx.opts)).exit_ms,
    async () => {
      const r = await jobctl(['events', '--job', target, '--limit', String(per)], opts);
      if (r.json.events.length !== per) throw new BenchError(`events --job: ${r.json.events.length} events, expected ${per}`);
      return r.exit_ms;
    },
  );
  await rm(root, { recursive: true, force: true });
  return ratioFigure({
    id: 'events_job',
    figure: `events --job ID over ${events.toLocaleString('en')} events of ${jobs.toLocaleString('en')} jobs`,
    unit: 'ms',
    subject: s,
    baseline: b,
    baselineLabel: 'node -e 0',
    maxRatio: 3.0,
    note: `${per} events of one job, spread over the whole log`,
  });
}
