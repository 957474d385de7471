// The terminal state of a job whose process the supervisor saw exit (pure).
import type { JobStateRecord } from '../store/types.js';
import type { Exit } from './targets/local.js';
import { msBetween } from '../util/time.js';

export interface ExitFacts {
  exit: Exit;
  finishedAt: string;
  timedOut: boolean;
  /** The supervisor SIGKILLed the job for writing past max_log_bytes. */
  killedForLogSize: boolean;
  logTruncated: boolean;
  diskFull: boolean;
}

export function terminalState(cur: JobStateRecord, facts: ExitFacts): JobStateRecord {
  const next: JobStateRecord = { ...cur, finished_at: facts.finishedAt, timed_out: facts.timedOut };
  const duration = msBetween(cur.started_at, facts.finishedAt);
  if (duration !== undefined) next.duration_ms = duration;
  if (facts.logTruncated) next.log_truncated = true;
  if (facts.killedForLogSize) next.kill_reason = 'max_log_bytes';
  if (facts.exit.signal !== null) next.signal = facts.exit.signal;
  else next.exit_code = facts.exit.code ?? -1;
  if (facts.diskFull) {
    // Not a clean success whatever the exit code: output may be missing.
    return { ...next, state: 'failed', error: { code: 'disk_full', message: 'the filesystem holding the job logs is full: output may be missing' } };
  }
  return { ...next, state: facts.exit.signal !== null ? 'killed' : 'exited' };
}
