// `--name NAME` where an id is taken: the newest job (by created_at) whose meta.json has exactly
// that name. A job's name and created_at never change, so the list index's cached summaries
// answer for the jobs it knows; only the others have their meta.json read. The set of jobs is
// the directory listing of the root, as everywhere.
import { existsSync } from 'node:fs';
import { JobError } from '../errors.js';
import { isJobIdShape } from './ids.js';
import { jobDir, jobFiles, listJobIds, readMeta } from './jobs.js';
import { readIndexedSummaries } from './list-index.js';

function nameAndTime(root: string, id: string, cached: ReturnType<typeof readIndexedSummaries>): { name?: string; created_at: string } | undefined {
  const entry = cached[id];
  if (entry !== undefined) return entry.meta;
  try {
    return readMeta(jobDir(root, id));
  } catch {
    return undefined; // being created or deleted right now
  }
}

/** The id of the newest job named `name`; job_not_found when there is none. */
export function resolveJobName(root: string, name: string): string {
  const cached = readIndexedSummaries(root);
  const matches: { id: string; at: string }[] = [];
  for (const id of listJobIds(root, isJobIdShape)) {
    const meta = nameAndTime(root, id, cached);
    if (meta !== undefined && meta.name === name) matches.push({ id, at: meta.created_at });
  }
  matches.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : a.id < b.id ? 1 : -1));
  // A cached entry may outlive a delete under way: the answer must still be a job.
  const found = matches.find((m) => existsSync(jobFiles(jobDir(root, m.id)).meta));
  if (found !== undefined) return found.id;
  throw new JobError('job_not_found', `no job is named ${JSON.stringify(name.slice(0, 100))}`, { name: name.slice(0, 100) });
}
