// An agent job's activity record (agent.json), kept by its supervisor and read by `status`,
// `logs --activity` and the job.finished event. Replaced atomically: a reader sees the previous
// record or the next one, never a partial file.
import { jobFiles } from './jobs.js';
import { readJsonIfPresent, writeJsonAtomic } from './atomic.js';
import type { AgentActivity } from '../agents/types.js';

export function writeActivity(dir: string, activity: AgentActivity): void {
  // Not fsynced directory-wise: a crash loses at most the latest update, which the next
  // supervisor rebuilds from stdout.log.
  writeJsonAtomic(jobFiles(dir).agent, activity, 0o600, false);
}

/** The activity record, or undefined before the agent printed anything (or when unreadable). */
export function readActivity(dir: string): AgentActivity | undefined {
  return readJsonIfPresent<AgentActivity>(jobFiles(dir).agent);
}
