// Pure builders of the job summary (status, list) and the job snapshot (run, start, wait).
import { shortId } from '../store/ids.js';
import { jobFiles } from '../store/jobs.js';
import { readTail, type TailResult } from '../store/tail.js';
import { redactWindow } from '../window-redaction.js';
import { windowContext } from './log-window.js';
import { liveness } from '../job/reconcile.js';
import { groupResources } from '../util/resources.js';
import { readActivity } from '../store/agent-files.js';
import { readResources } from '../store/resources.js';
import { isCorrupt, type CorruptJob, type JobRecord, type ListedJob } from '../store/types.js';
import { isTerminal } from '../job/state.js';
import { OMITTED_HINT, withoutStreamJson } from './agent-tail.js';

/** Outcome fields shared by summaries and snapshots; present only once terminal. */
function outcomeFields(job: ListedJob): Record<string, unknown> {
  const s = job.state;
  const out: Record<string, unknown> = {};
  if (s.exit_code !== undefined) out['exit_code'] = s.exit_code;
  if (s.signal !== undefined) out['signal'] = s.signal;
  if (isTerminal(s.state)) out['timed_out'] = s.timed_out === true;
  if (s.finished_at !== undefined) out['finished_at'] = s.finished_at;
  if (s.duration_ms !== undefined) out['duration_ms'] = s.duration_ms;
  if (s.error !== undefined) out['error'] = s.error;
  if (s.lost_reason !== undefined) out['lost_reason'] = s.lost_reason;
  if (s.kill_reason !== undefined) out['kill_reason'] = s.kill_reason;
  if (s.log_truncated === true) out['log_truncated'] = true;
  return out;
}

/** The effective timeout (when set) and the SIGTERM → SIGKILL delay after it. */
export function limitFields(meta: Pick<JobRecord['meta'], 'timeout_ms' | 'kill_after_ms'>): Record<string, number> {
  return { ...(meta.timeout_ms !== undefined ? { timeout_ms: meta.timeout_ms } : {}), ...(typeof meta.kill_after_ms === 'number' ? { kill_after_ms: meta.kill_after_ms } : {}) };
}

/** What kind of work a job runs: `shell` for a command line, `agent:<name>` for a coding agent. */
export function payloadType(meta: ListedJob['meta']): string {
  return meta.agent !== undefined ? `agent:${meta.agent.name}` : 'shell';
}

export function jobSummary(job: ListedJob): Record<string, unknown> {
  const { meta, state } = job;
  const out: Record<string, unknown> = {
    job_id: meta.job_id,
    short_id: shortId(meta.job_id),
    state: state.state,
  };
  if (meta.name !== undefined) out['name'] = meta.name;
  out['command'] = meta.command;
  out['cwd'] = meta.cwd;
  out['tags'] = meta.tags;
  out['executor'] = meta.executor;
  out['payload'] = payloadType(meta);
  out['created_at'] = meta.created_at;
  if (state.started_at !== undefined) out['started_at'] = state.started_at;
  return { ...out, ...outcomeFields(job) };
}

/** A corrupt job in a listing: its id, `state:"corrupt"`, what is wrong, and when its directory last changed. */
export function corruptSummary(job: CorruptJob): Record<string, unknown> {
  return { job_id: job.job_id, short_id: shortId(job.job_id), state: 'corrupt', reason: job.reason, modified_at: new Date(job.mtime_ms).toISOString() };
}

/** The summary of a listed job, corrupt or not. */
export const listedSummary = (job: ListedJob | CorruptJob): Record<string, unknown> => (isCorrupt(job) ? corruptSummary(job) : jobSummary(job));

/** Status adds the live process ids, each only while verified to be the recorded process. */
export function jobStatus(job: JobRecord): Record<string, unknown> {
  const out = jobSummary(job);
  const files = jobFiles(job.dir);
  const { state } = job.state;
  const live = state === 'created' || (isTerminal(state) && state !== 'lost') ? undefined : liveness(job.state);
  if (live !== undefined && !isTerminal(job.state.state)) {
    if (live.processAlive) {
      out['pid'] = job.state.pid;
      const resources = groupResources(job.state.pid as number, job.state.pid_start_time as string);
      if (resources !== undefined) out['resources'] = resources;
    }
    if (live.supervisorAlive) out['supervisor_pid'] = job.state.supervisor_pid;
    out['supervisor_alive'] = live.supervisorAlive;
  } else if (job.state.state === 'lost' && live?.processAlive === true) {
    // Unsupervised but still running: shown so that it can be found and killed.
    out['pid'] = job.state.pid;
    out['process_alive'] = true;
  }
  // Where a remote job runs: host and remote pid, container, or Slurm job id.
  if (job.state.remote !== undefined) out['remote'] = job.state.remote;
  // A running remote job's latest sample, taken by its supervisor (a file read, no executor call).
  if (job.state.remote !== undefined && state === 'running') {
    const sample = readResources(job.dir);
    if (sample !== undefined) out['resources'] = sample;
  }
  if (job.state.remote_unreachable !== undefined && !isTerminal(state)) out['remote_unreachable'] = job.state.remote_unreachable;
  if (job.state.timed_out === true && !isTerminal(job.state.state)) out['timed_out'] = true;
  if (job.state.kill_request !== undefined) out['kill_requested'] = job.state.kill_request;
  if (job.state.progress !== undefined) out['progress'] = job.state.progress;
  Object.assign(out, limitFields(job.meta));
  // Why a queued job has not started: `job ID` (a dependency), `retry at TIME`, a queue or executor.
  if (job.state.waiting_for !== undefined && state === 'queued') out['waiting_for'] = job.state.waiting_for;
  if (job.meta.agent !== undefined) out['agent'] = agentStatus(job);
  if (job.meta.retry !== undefined || job.state.attempts !== undefined) {
    out['attempt'] = job.state.attempt ?? 1;
    out['attempts'] = job.state.attempts ?? [];
  }
  if (job.state.restart_count !== undefined) {
    out['restart_count'] = job.state.restart_count;
    out['restarted_at'] = job.state.restarted_at;
  }
  out['updated_at'] = job.state.updated_at;
  out['stdout_log_path'] = files.stdout;
  out['stderr_log_path'] = files.stderr;
  return out;
}

const AGENT_FIELD_ORDER = ['name', 'requested_model', 'max_turns', 'session_id', 'model', 'turns', 'tool_calls', 'last_tool_calls', 'tokens', 'cost_usd', 'last_text', 'last_notice', 'outcome', 'outcome_message', 'events', 'raw_lines', 'updated_at'];

/** An agent job's activity, with what it was asked to do; before any output, just the latter. */
export function agentStatus(job: JobRecord): Record<string, unknown> {
  const spec = job.meta.agent as NonNullable<JobRecord['meta']['agent']>;
  const activity: Record<string, unknown> = { ...(readActivity(job.dir) ?? { turns: 0, tool_calls: 0 }) };
  const fields: Record<string, unknown> = { ...activity, name: spec.name, requested_model: spec.model, max_turns: spec.max_turns };
  fields['session_id'] ??= spec.resume ?? spec.session;
  const out: Record<string, unknown> = {};
  for (const key of AGENT_FIELD_ORDER) if (fields[key] !== undefined) out[key] = fields[key];
  return out;
}

export interface TailOptions {
  tailLines: number;
  maxBytes: number;
  /** --raw: an agent job's snapshot keeps its stream-JSON lines in stdout_tail. */
  raw?: boolean;
  /** Leave stream-JSON lines out of stdout_tail (set by jobSnapshot for agent jobs). */
  agentStream?: boolean;
}

/** The last lines of a log, a masked value cut by the window's edges redacted whole. */
function redactedTail(path: string, lines: number, maxBytes: number): TailResult {
  const tail = readTail(path, lines, maxBytes);
  const { before, after } = windowContext(path, tail.begin, tail.end);
  return { ...tail, text: redactWindow(before, Buffer.from(tail.text), after, tail.end === tail.total) };
}

export function tailFields(job: JobRecord, opts: TailOptions): Record<string, unknown> {
  const files = jobFiles(job.dir);
  const out = redactedTail(files.stdout, opts.tailLines, opts.maxBytes);
  const err = redactedTail(files.stderr, opts.tailLines, opts.maxBytes);
  // An agent job's snapshot (no --raw): its stream-JSON lines left out of stdout_tail, counted.
  const filtered = opts.agentStream === true ? withoutStreamJson(out.text, out.lineStart) : { text: out.text, omitted: 0 };
  return {
    stdout_tail: filtered.text,
    ...(filtered.omitted > 0 ? { stdout_tail_omitted: { lines: filtered.omitted, hint: OMITTED_HINT } } : {}),
    stderr_tail: err.text,
    ...windowFields(job.dir, out, err),
  };
}

type Window = Pick<TailResult, 'begin' | 'end' | 'total'>;

/** Where the windows of the two logs lie (tail, tail --grep): ranges, totals, log paths. */
export function windowFields(dir: string, out: Window, err: Window): Record<string, unknown> {
  const files = jobFiles(dir);
  return {
    stdout_range: [out.begin, out.end],
    stderr_range: [err.begin, err.end],
    stdout_total_bytes: out.total,
    stderr_total_bytes: err.total,
    truncated: out.begin > 0 || err.begin > 0,
    encoding: 'utf-8',
    stdout_log_path: files.stdout,
    stderr_log_path: files.stderr,
  };
}

/** The snapshot of run, start and wait; an agent job's leads with its `agent` summary. */
export function jobSnapshot(job: JobRecord, opts: TailOptions, waitedMs: number): Record<string, unknown> {
  const agent = job.meta.agent !== undefined;
  return {
    job_id: job.meta.job_id,
    short_id: shortId(job.meta.job_id),
    state: job.state.state,
    ...(agent ? { agent: agentStatus(job) } : {}),
    tags: job.meta.tags,
    ...tailFields(job, { ...opts, agentStream: agent && opts.raw !== true }),
    waited_ms: waitedMs,
    ...limitFields(job.meta),
    ...(job.state.started_at !== undefined ? { started_at: job.state.started_at } : {}),
    ...outcomeFields(job),
  };
}
