// Which job `events --job TEXT` means: what every command accepts (a unique id prefix, a name)
// while the job exists, and the full id of a job that no longer does (its events remain).
import { JobError } from '../errors.js';
import { ID_LENGTH, isJobIdShape, resolveJobId } from '../store/ids.js';
import { resolveJobName } from '../store/job-names.js';

/** The full job id whose events are asked for; job_not_found / ambiguous_job_id as elsewhere. */
export function resolveEventJob(root: string, text: string): string {
  try {
    return resolveJobId(root, text);
  } catch (err) {
    if (!(err instanceof JobError) || err.code !== 'job_not_found') throw err;
    // A deleted job: only its full id names it now.
    if (isJobIdShape(text) && text.length >= ID_LENGTH) return text;
    try {
      return resolveJobName(root, text);
    } catch {
      throw err;
    }
  }
}
