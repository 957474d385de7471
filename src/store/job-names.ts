// `--name NAME` where an id is taken: the newest job (by created_at) with exactly that name, from
// the names list-index.ts keeps (meta.json read only for jobs the index does not know).
import { existsSync } from 'node:fs';
import { JobError } from '../errors.js';
import { jobDir, jobFiles } from './jobs.js';
import { namedJobs } from './list-index.js';

/** The id of the newest job named `name`; job_not_found when there is none. */
export function resolveJobName(root: string, name: string): string {
  // A cached entry may outlive a delete under way: the answer must still be a job.
  const found = namedJobs(root).find((job) => job.name === name && existsSync(jobFiles(jobDir(root, job.job_id)).meta));
  if (found !== undefined) return found.job_id;
  throw new JobError('job_not_found', `no job is named ${JSON.stringify(name.slice(0, 100))}`, { name: name.slice(0, 100) });
}
