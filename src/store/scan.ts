// Enumerates the jobs of a root: every directory with an id-shaped name and a readable
// meta.json and state.json. Unreadable or half-created directories are skipped, not fatal.
import { isJobIdShape } from './ids.js';
import { jobDir, listJobIds, readJob } from './jobs.js';
import type { JobRecord } from './types.js';

export function scanJobs(root: string): JobRecord[] {
  const jobs: JobRecord[] = [];
  for (const id of listJobIds(root, isJobIdShape)) {
    try {
      jobs.push(readJob(jobDir(root, id)));
    } catch {
      // Being created or deleted right now, or not a job: not listed.
    }
  }
  return jobs;
}
