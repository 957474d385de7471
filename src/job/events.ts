// Which event an applied transition is (pure), and its recording in the root's event log.
// Mapping, from the state before to the state after one applied transition:
// - created → queued: job.queued;  queued → running: job.started
// - a live state → exited | killed | failed: job.finished (state, exit_code | signal, error, timed_out)
// - a live state → lost: job.lost (lost_reason)
// - a live state → queued with a higher attempt: job.retried (attempt, and how the previous one ended)
// - a terminal state → queued: job.restarted (attempt, restart_count)
// - a kill request appearing (requested_at new): job.kill_requested (signal, grace_ms) — before
//   any other event of the same transition
// Changes within a state (heartbeat, waiting_for, parking, supervisor identity) are no event.
// Invariant: recording never throws (store/event-log.ts drops the event with a warning).
import { basename, dirname } from 'node:path';
import { appendEvents, type EventBody, type NewEvent } from '../store/event-log.js';
import { readMeta } from '../store/jobs.js';
import { isTerminalState, type JobStateRecord } from './state.js';


function outcomeFields(s: JobStateRecord): Record<string, unknown> {
  const fields: Record<string, unknown> = { state: s.state };
  if (s.exit_code !== undefined) fields['exit_code'] = s.exit_code;
  if (s.signal !== undefined) fields['signal'] = s.signal;
  if (s.timed_out === true) fields['timed_out'] = true;
  if (s.error !== undefined) fields['error'] = s.error.code;
  if (s.attempt !== undefined) fields['attempt'] = s.attempt;
  if (s.finished_at !== undefined && s.started_at !== undefined) fields['duration_ms'] = s.duration_ms ?? Math.max(0, Date.parse(s.finished_at) - Date.parse(s.started_at));
  return fields;
}

/** job.retried: the attempt now queued, and how the one before it ended. */
function retried(after: JobStateRecord, at: string): EventBody {
  const ended = after.attempts?.at(-1);
  const previous: Record<string, unknown> = { state: ended?.state };
  if (ended?.exit_code !== undefined) previous['exit_code'] = ended.exit_code;
  if (ended?.signal !== undefined) previous['signal'] = ended.signal;
  if (ended?.timed_out === true) previous['timed_out'] = true;
  return { event_type: 'job.retried', at, attempt: after.attempt ?? 1, previous };
}

/** The events one applied transition stands for (none for a change within a state). */
export function eventsOfTransition(before: JobStateRecord, after: JobStateRecord): EventBody[] {
  const events: EventBody[] = [];
  const at = after.updated_at;
  if (after.kill_request !== undefined && after.kill_request.requested_at !== before.kill_request?.requested_at) {
    events.push({ event_type: 'job.kill_requested', at, signal: after.kill_request.signal, grace_ms: after.kill_request.grace_ms });
  }
  const attempt = after.attempt ?? 1;
  if (isTerminalState(before)) {
    if (after.state === 'queued') events.push({ event_type: 'job.restarted', at, attempt, restart_count: after.restart_count ?? 1 });
    return events;
  }
  if (after.state === before.state) {
    if (after.state === 'queued' && attempt > (before.attempt ?? 1)) events.push(retried(after, at));
    return events;
  }
  if (after.state === 'queued') {
    events.push(attempt > (before.attempt ?? 1) ? retried(after, at) : { event_type: 'job.queued', at, attempt });
  } else if (after.state === 'running') {
    events.push({ event_type: 'job.started', at, attempt, ...(after.pid !== undefined ? { pid: after.pid } : {}) });
  } else if (after.state === 'lost') {
    events.push({ event_type: 'job.lost', at, ...outcomeFields(after), lost_reason: after.lost_reason });
  } else if (isTerminalState(after)) {
    events.push({ event_type: 'job.finished', at, ...outcomeFields(after) });
  }
  return events;
}

/** The fields every event of the job in `dir` carries; a job whose meta is unreadable gets defaults. */
export function jobEventFields(dir: string): Pick<NewEvent, 'job_id' | 'tags' | 'executor'> {
  try {
    const meta = readMeta(dir);
    return { job_id: meta.job_id, tags: meta.tags, executor: meta.executor };
  } catch {
    return { job_id: basename(dir), tags: [], executor: 'local' };
  }
}

/** Records events of the job in `dir` in its root's log (never throws). */
export function recordJobEvents(dir: string, bodies: EventBody[]): void {
  if (bodies.length === 0) return;
  const common = jobEventFields(dir);
  appendEvents(dirname(dir), bodies.map((body) => ({ ...common, ...body })));
}
