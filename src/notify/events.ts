// Builders of the notification events (pure: no I/O).
import { SCHEMA_VERSION } from '../output.js';
import { jobFiles } from '../store/jobs.js';
import type { JobRecord, MatchType, StreamName } from '../store/types.js';
import type { AgentActivity, AgentSpec } from '../agents/types.js';

/** What job.finished says of an agent job: how it ended and where to resume it. */
export function agentSummary(spec: AgentSpec, activity: AgentActivity | undefined): Record<string, unknown> {
  const { name } = spec;
  const session = activity?.session_id ?? spec.resume ?? spec.session;
  if (activity === undefined) return { name, outcome: 'error', outcome_message: 'the agent printed nothing jobctl could read', ...(session !== undefined ? { session_id: session } : {}) };
  const out: Record<string, unknown> = { name, outcome: activity.outcome ?? 'error' };
  if (activity.outcome_message !== undefined) out['outcome_message'] = activity.outcome_message;
  if (session !== undefined) out['session_id'] = session;
  if (activity.model !== undefined) out['model'] = activity.model;
  out['turns'] = activity.turns;
  out['tool_calls'] = activity.tool_calls;
  out['tokens'] = activity.tokens;
  if (activity.cost_usd !== undefined) out['cost_usd'] = activity.cost_usd;
  if (activity.last_text !== undefined) out['last_text'] = activity.last_text;
  return out;
}

export interface DeliveryResult {
  sink: 'command' | 'file' | 'webhook';
  target: string;
  ok: boolean;
  /** HTTP status of a webhook attempt. */
  status?: number;
  error?: string;
  attempted_at: string;
  duration_ms?: number;
}

/** A cloud job's instance and, when the provider gave a price, its share: runtime hours × its hourly share. */
function instanceCost(state: JobRecord['state']): Record<string, unknown> {
  const remote = state.remote;
  if (remote?.instance === undefined) return {};
  const out: Record<string, unknown> = { instance: remote.instance };
  if (remote.hourly_cost !== undefined && state.duration_ms !== undefined) out['cost'] = Math.round(remote.hourly_cost * (state.duration_ms / 3_600_000) * 1e6) / 1e6;
  return out;
}

export function finishedEvent(job: JobRecord, activity?: AgentActivity): Record<string, unknown> {
  const { meta, state } = job;
  const files = jobFiles(job.dir);
  const event: Record<string, unknown> = {
    schema_version: SCHEMA_VERSION,
    event_type: 'job.finished',
    job_id: meta.job_id,
    state: state.state,
  };
  if (state.exit_code !== undefined) event['exit_code'] = state.exit_code;
  if (state.signal !== undefined) event['signal'] = state.signal;
  event['timed_out'] = state.timed_out === true;
  event['command'] = meta.command;
  event['cwd'] = meta.cwd;
  event['tags'] = meta.tags;
  if (meta.name !== undefined) event['name'] = meta.name;
  if (state.started_at !== undefined) event['started_at'] = state.started_at;
  if (state.finished_at !== undefined) event['finished_at'] = state.finished_at;
  if (state.duration_ms !== undefined) event['duration_ms'] = state.duration_ms;
  if (state.error !== undefined) event['error'] = state.error;
  if (meta.retry !== undefined || state.attempts !== undefined) {
    // A retried or restarted job: which attempt ended it, and how the earlier ones ended.
    event['attempt'] = state.attempt ?? 1;
    event['attempts'] = state.attempts ?? [];
  }
  if (state.restart_count !== undefined) event['restart_count'] = state.restart_count;
  if (state.kill_reason !== undefined) event['kill_reason'] = state.kill_reason;
  Object.assign(event, instanceCost(state));
  if (meta.agent !== undefined) event['agent'] = agentSummary(meta.agent, activity);
  event['stdout_log_path'] = files.stdout;
  event['stderr_log_path'] = files.stderr;
  return event;
}

export function outputMatchedEvent(
  jobId: string,
  stream: StreamName,
  line: string,
  match: { pattern: string; matchType: MatchType; truncated: boolean },
  observedAt: string,
): Record<string, unknown> {
  return {
    schema_version: SCHEMA_VERSION,
    event_type: 'job.output.matched',
    job_id: jobId,
    stream,
    line,
    // The line was longer than the matcher's limit: `line` is its start, the part that was matched.
    line_truncated: match.truncated,
    pattern: match.pattern,
    match_type: match.matchType,
    observed_at: observedAt,
  };
}
