// `wait ID ID... | --tag P [--all | --any] [--timeout D]`: fan-in over several jobs. Until every
// job is terminal (--all, the default) or the first one is (--any), or the deadline; a success
// either way. Answer: `jobs[]` (summaries: state, exit code, ...), `pending[]` (ids not terminal
// when the wait ended), `count`, `wait_timed_out`, and with --any `first_job_id`.
import { usageError } from '../errors.js';
import { optBool, optString, type Args } from '../command-support/args.js';
import { parseOptionalDuration } from '../util/duration.js';
import { waitForJobs } from '../job/wait-for-jobs.js';
import { jobSummary } from '../view/job-view.js';
import { pollMs } from '../command-support/launch.js';
import { registerJobSecrets } from '../command-support/load-job.js';
import { resolveTargets } from '../command-support/job-targets.js';
import type { Context } from '../command-support/types.js';

export async function waitMany(args: Args, ctx: Context): Promise<Record<string, unknown>> {
  const startedAt = Date.now();
  const any = optBool(args, 'any');
  if (any && optBool(args, 'all')) throw usageError('give --all or --any, not both', { flag: 'any' });
  const timeout = parseOptionalDuration(optString(args, 'timeout'), '--timeout', ctx.warn);
  const poll = pollMs(args);
  const dirs = resolveTargets(args, ctx);
  const result = await waitForJobs(dirs, any ? 'any' : 'all', timeout, poll, ctx.actions);
  result.jobs.forEach(registerJobSecrets);
  const out: Record<string, unknown> = {
    jobs: result.jobs.map(jobSummary),
    pending: result.pending,
    count: result.jobs.length,
    waited_ms: Date.now() - startedAt,
    wait_timed_out: result.timedOut,
  };
  if (result.first !== undefined) out['first_job_id'] = result.first.meta.job_id;
  return out;
}
