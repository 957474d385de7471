// `logs ID --activity [--lines N] [--follow [INTERVAL]]`: an agent job's stream as parsed events
// (the same parser the supervisor uses), not raw lines. Without --follow: the last N events and
// the activity record; with it, NDJSON `activity_event` lines (the last N first, then each new
// one as the agent prints it) and a final `activity_end` with the record and how the job ended.
import { JobError } from '../errors.js';
import { printStreamEnd, printStreamLine, printSuccess, STREAMED } from '../output.js';
import { shortId } from '../store/ids.js';
import { jobFiles, readJob } from '../store/jobs.js';
import { reconcile } from '../job/reconcile.js';
import { type JobRecord } from '../store/types.js';
import { isTerminal } from '../job/state.js';
import { AgentLogReader } from '../agents/log-reader.js';
import type { AgentEvent, AgentName } from '../agents/types.js';
import { nowIso } from '../util/time.js';
import { endFields, followUntilTerminal } from './follow-until-end.js';
import { agentStatus } from '../view/job-view.js';
import type { Context } from './types.js';

type Numbered = AgentEvent & { seq: number };

/** Numbers the events of an agent job's log (from 1, in stream order). */
class EventReader {
  private readonly reader: AgentLogReader;
  count = 0;

  constructor(path: string, agent: AgentName) {
    this.reader = new AgentLogReader(path, agent);
  }

  /**
   * Hands each new event to `take`; `final` (the job ended) also parses a last line without
   * newline — while the job runs it may be half-written.
   */
  read(final: boolean, take: (e: Numbered) => void): void {
    const number = (events: AgentEvent[]) => {
      for (const e of events) take({ seq: ++this.count, ...e });
    };
    this.reader.read(number);
    if (final) number(this.reader.end());
  }

  /** The last `keep` new events only (memory stays bounded on any log). */
  readLast(final: boolean, keep: number): Numbered[] {
    let last: Numbered[] = [];
    this.read(final, (e) => {
      if (keep === 0) return;
      last.push(e);
      // Trimmed in batches: shifting one by one would copy the array for every event.
      if (last.length >= 2 * keep) last = last.slice(-keep);
    });
    return last.slice(-keep);
  }
}

export async function activityLogs(job: JobRecord, lines: number, intervalMs: number | undefined, ctx: Pick<Context, 'actions' | 'interrupt'>): Promise<Record<string, unknown>> {
  const spec = job.meta.agent;
  if (spec === undefined) throw new JobError('invalid_state', 'logs --activity: this job runs a command, not a coding agent (use logs without --activity)', { payload: 'shell' });
  const reader = new EventReader(jobFiles(job.dir).stdout, spec.name);
  const jobId = job.meta.job_id;
  if (intervalMs === undefined) {
    const current = await reconcile(job, ctx.actions);
    const events = reader.readLast(isTerminal(current.state.state), lines);
    // Its own output type: the shape differs from `logs`.
    printSuccess('logs_activity', {
      job_id: jobId,
      short_id: shortId(jobId),
      state: current.state.state,
      agent: spec.name,
      events,
      total_events: reader.count,
      activity: agentStatus(job),
    });
    return STREAMED;
  }
  let first = true;
  const endLine = (current: JobRecord): Record<string, unknown> => ({ ...endFields(current), total_events: reader.count, activity: agentStatus(current), at: nowIso() });
  // Interrupted, the stream still ends with its end line: the job as it is, the events printed.
  ctx.interrupt?.answerWith(() => endLine(readJob(job.dir)), 'activity_end');
  await followUntilTerminal(job, intervalMs, ctx.actions, (current, terminal) => {
    let open = true;
    const print = (event: Numbered): void => {
      if (open) open = printStreamLine('activity_event', { job_id: jobId, event, at: nowIso() });
    };
    // The first pass shows only the last --lines events of what was printed so far.
    if (first) reader.readLast(terminal, lines).forEach(print);
    else reader.read(terminal, print);
    first = false;
    if (!open) return false;
    if (terminal) printStreamEnd('activity_end', endLine(current));
    return true;
  });
  return STREAMED;
}
