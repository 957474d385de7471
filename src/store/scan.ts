// Enumerates the jobs of a root: every directory with an id-shaped name and a meta.json, read
// as a job record, or as a corrupt job (what is wrong with it) when its files cannot be read as
// one. Directories being created or deleted right now are skipped, not fatal; a root that is
// not a directory is an io_error (listJobIds).
import { isJobIdShape } from './ids.js';
import { inspectJob, jobDir, listJobIds } from './jobs.js';
import type { CorruptJob, JobRecord } from './types.js';

export function scanJobs(root: string): (JobRecord | CorruptJob)[] {
  const jobs: (JobRecord | CorruptJob)[] = [];
  for (const id of listJobIds(root, isJobIdShape)) {
    try {
      jobs.push(inspectJob(jobDir(root, id)));
    } catch {
      // Being created or deleted right now, or not a job: not listed.
    }
  }
  return jobs;
}
