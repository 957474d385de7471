// Resolves the id argument of a command (or --name: the newest job with that name) to a job
// directory and registers the job's secret values with the output module, so they can never be
// printed.
import { usageError } from '../errors.js';
import { jobIdArg, optNonEmpty, type Args } from './args.js';
import { resolveJobId } from '../store/ids.js';
import { resolveJobName } from '../store/job-names.js';
import { jobDir, readJob, readSecrets } from '../store/jobs.js';
import { secretValues, type JobRecord } from '../store/types.js';
import { registerSecret } from '../output.js';
import type { Context } from './types.js';

export function registerJobSecrets(job: { dir: string; meta: { mask: string[] } }): void {
  if (job.meta.mask.length === 0) return;
  secretValues(readSecrets(job.dir)).forEach(registerSecret);
}

/**
 * The job's id from the id argument, or from --name (newest wins). An id and --name together are
 * a usage error: which one was meant cannot be told.
 */
export function resolveJobArg(args: Args, root: string): string {
  const name = optNonEmpty(args, 'name');
  if (name === undefined) return resolveJobId(root, jobIdArg(args));
  if (args['id'] !== undefined || args['task-id'] !== undefined) throw usageError('give either a job id or --name, not both', { flag: 'name' });
  return resolveJobName(root, name);
}

export function loadJob(args: Args, ctx: Context): JobRecord {
  return loadJobAt(jobDir(ctx.root, resolveJobArg(args, ctx.root)));
}

/** The job in `dir` (a resolved target), its secrets registered. */
export function loadJobAt(dir: string): JobRecord {
  const job = readJob(dir);
  registerJobSecrets(job);
  return job;
}
