// Resolves the id argument of a command to a job directory and registers the job's secret
// values with the output module, so they can never be printed.
import { jobIdArg, type Args } from './args.js';
import { resolveJobId } from '../store/ids.js';
import { jobDir, readJob, readSecrets } from '../store/jobs.js';
import { secretValues, type JobRecord } from '../store/types.js';
import { registerSecret } from '../output.js';
import type { Context } from './types.js';

export function registerJobSecrets(job: { dir: string; meta: { mask: string[] } }): void {
  if (job.meta.mask.length === 0) return;
  secretValues(readSecrets(job.dir)).forEach(registerSecret);
}

export function loadJob(args: Args, ctx: Context): JobRecord {
  const dir = jobDir(ctx.root, resolveJobId(ctx.root, jobIdArg(args)));
  const job = readJob(dir);
  registerJobSecrets(job);
  return job;
}
