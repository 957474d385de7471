// JSON Schema (draft 2020-12) of every output type, printed by `jobctl schema` and used by the
// tests to validate real outputs.
import { EVENT_TYPES } from './store/event-log.js';

type Schema = Record<string, unknown>;

const str: Schema = { type: 'string' };
const int: Schema = { type: 'integer' };
const bool: Schema = { type: 'boolean' };
const time: Schema = { type: 'string', format: 'date-time' };
const strings: Schema = { type: 'array', items: str };
/** A cloud executor's live instances (`executors`). */
const cloudInstances: Schema = { type: 'array', items: { type: 'object', required: ['name', 'state', 'created_at', 'age_ms', 'jobs'], properties: { name: str, state: { enum: ['provisioning', 'ready', 'destroying'] }, created_at: str, age_ms: int, jobs: strings, instance_id: str, host: str, port: int, idle_ms: int, hourly_cost: { type: 'number' }, cost_so_far: { type: 'number' }, destroy_error: str, destroy_attempts: int, next_destroy_at: str } } };
const range: Schema = { type: 'array', items: int, minItems: 2, maxItems: 2 };
const jobId: Schema = { type: 'string', pattern: '^[0-9a-z]{16,}$' };
const state: Schema = { enum: ['created', 'queued', 'running', 'exited', 'killed', 'failed', 'lost'] };
const errorInfo: Schema = { type: 'object', required: ['code', 'message'], properties: { code: str, message: str } };

const cursor: Schema = { type: 'integer', minimum: 0 };
/** One event of the event log (events[], an `event` line of events --follow); more fields by type. */
const logEvent: Schema = {
  type: 'object',
  required: ['cursor', 'event_type', 'at', 'job_id', 'tags', 'executor'],
  properties: {
    cursor: { type: 'integer', minimum: 1 }, event_type: { enum: [...EVENT_TYPES] }, at: time, job_id: { type: 'string', pattern: '^[0-9a-z]{1,64}$' }, tags: strings, executor: str,
    state: str, exit_code: int, signal: str, timed_out: bool, error: str, attempt: int, sink: { enum: ['command', 'file', 'webhook'] }, notify_event: str, target: str,
  },
};

function success(type: string, properties: Schema, required: string[] = []): Schema {
  return {
    type: 'object',
    required: ['schema_version', 'ok', 'type', ...required],
    // warnings: valid but risky input (a bare integer duration), omitted when there is none.
    properties: { schema_version: { const: '1' }, ok: { const: true }, type: { const: type }, ...properties, warnings: { type: 'array', items: str, minItems: 1 } },
  };
}

const outcome: Schema = {
  exit_code: int,
  signal: str,
  timed_out: bool,
  finished_at: time,
  duration_ms: int,
  error: errorInfo,
  lost_reason: str,
  kill_reason: str,
  log_truncated: bool,
};

const agentOutcome: Schema = { enum: ['success', 'max_turns', 'rate_limited', 'auth_error', 'error'] };
const tokens: Schema = { type: 'object', required: ['input', 'output'], properties: { input: int, output: int } };
/** An agent job's activity (status.agent; the record in logs --activity). */
const agentActivity: Schema = {
  type: 'object',
  required: ['turns', 'tool_calls'],
  properties: {
    name: { enum: ['claude', 'codex', 'gemini', 'opencode'] },
    agent: str,
    requested_model: str,
    max_turns: int,
    session_id: str,
    model: str,
    turns: int,
    tool_calls: int,
    last_tool_calls: {
      type: 'array',
      maxItems: 10,
      items: { type: 'object', required: ['name', 'input', 'status', 'at'], properties: { id: str, name: str, input: str, status: { enum: ['running', 'ok', 'error'] }, at: time } },
    },
    tokens,
    cost_usd: { type: 'number' },
    last_text: str,
    outcome: agentOutcome,
    outcome_message: str,
    last_notice: { type: 'object', required: ['level', 'message', 'at'], properties: { level: { enum: ['info', 'warning', 'error'] }, message: str, at: time } },
    events: int,
    raw_lines: int,
    updated_at: time,
  },
};
/** What job.finished says of an agent job. */
const agentFinished: Schema = {
  type: 'object',
  required: ['name', 'outcome'],
  properties: { name: str, outcome: agentOutcome, outcome_message: str, session_id: str, model: str, turns: int, tool_calls: int, tokens, cost_usd: { type: 'number' }, last_text: str },
};
const agentEvent: Schema = {
  type: 'object',
  required: ['seq', 'kind'],
  properties: { seq: int, kind: { enum: ['session', 'turn', 'text', 'tool_call', 'tool_result', 'usage', 'cost', 'notice', 'result', 'raw'] }, at: str },
};

const summary: Schema = {
  job_id: jobId,
  short_id: str,
  state,
  name: str,
  command: str,
  cwd: str,
  tags: strings,
  executor: str,
  payload: { type: 'string', pattern: '^(shell|agent:.+)$' },
  created_at: time,
  started_at: time,
  ...outcome,
};
const summaryRequired = ['job_id', 'short_id', 'state', 'command', 'cwd', 'tags', 'executor', 'payload', 'created_at'];
/** A state as listed: a job's, or `corrupt` for a job whose files cannot be read as one. */
const listedState: Schema = { enum: [...(state['enum'] as string[]), 'corrupt'] };
/** A corrupt job in a listing (list, dashboard): what is wrong, naming the file. */
const corruptSummary: Schema = { job_id: { type: 'string', pattern: '^[0-9a-z]{1,64}$' }, short_id: str, state: { const: 'corrupt' }, reason: str, modified_at: time };
const corruptRequired = ['job_id', 'short_id', 'state', 'reason', 'modified_at'];
/** A list or dashboard row: a job's summary, or a corrupt job's. */
const listed = (properties: Schema, required: string[]): Schema => ({
  anyOf: [{ type: 'object', required, properties }, { type: 'object', required: corruptRequired, properties: corruptSummary }],
});
const summaries: Schema = { type: 'array', items: { type: 'object', required: summaryRequired, properties: summary } };

/** A dashboard row: the summary plus log sizes and, while queued, what the job waits for. */
const dashboardAgent: Schema = {
  type: 'object',
  required: ['turns', 'tool_calls'],
  properties: { turns: int, tool_calls: int, last_tool_call: { type: 'object', required: ['name', 'input', 'status'], properties: { name: str, input: str, status: { enum: ['running', 'ok', 'error'] } } }, cost_usd: { type: 'number' }, outcome: agentOutcome },
};
const dashboardItem: Schema = { ...summary, stdout_total_bytes: int, stderr_total_bytes: int, waiting_for: str, agent: dashboardAgent };
const dashboardItemRequired = [...summaryRequired, 'stdout_total_bytes', 'stderr_total_bytes'];
const byState: Schema = { type: 'object', additionalProperties: int };

/** One earlier attempt of a retried or restarted job (status and job.finished `attempts[]`). */
const attempts: Schema = {
  type: 'array',
  items: {
    type: 'object',
    required: ['attempt', 'state'],
    properties: { attempt: int, state, exit_code: int, signal: str, timed_out: bool, error: errorInfo, lost_reason: str, started_at: time, finished_at: time, duration_ms: int, stdout_log_path: str, stderr_log_path: str },
  },
};

const tail: Schema = {
  stdout_tail: str,
  stderr_tail: str,
  stdout_range: range,
  stderr_range: range,
  stdout_total_bytes: int,
  stderr_total_bytes: int,
  truncated: bool,
  encoding: { const: 'utf-8' },
  stdout_log_path: str,
  stderr_log_path: str,
};
/** One line found by tail --grep: its stream, the byte offset of its start, and its context. */
const grepMatch: Schema = {
  type: 'object',
  required: ['stream', 'offset', 'line'],
  properties: { stream: { enum: ['stdout', 'stderr'] }, offset: int, line: str, before: strings, after: strings },
};
const tailRequired = ['stdout_tail', 'stderr_tail', 'stdout_range', 'stderr_range', 'stdout_total_bytes', 'stderr_total_bytes', 'truncated', 'encoding', 'stdout_log_path', 'stderr_log_path'];

const tailOmitted: Schema = { type: 'object', required: ['lines', 'hint'], properties: { lines: int, hint: str } };
/** The effective timeout (when set) and kill-after delay (run, create, start, wait, status). */
const limits: Schema = { timeout_ms: int, kill_after_ms: int };
const snapshot: Schema = { job_id: jobId, short_id: str, state, tags: strings, ...tail, stdout_tail_omitted: tailOmitted, waited_ms: int, ...limits, started_at: time, ...outcome, agent: agentActivity };
/** A blocking call ended by SIGINT/SIGTERM/SIGHUP answers with the job as it was then. */
const interrupted: Schema = { interrupted: { const: true } };
const snapshotRequired = ['job_id', 'short_id', 'state', 'tags', ...tailRequired, 'waited_ms'];

const delivery: Schema = {
  type: 'object',
  required: ['sink', 'target', 'ok', 'attempted_at'],
  properties: { sink: { enum: ['command', 'file', 'webhook'] }, target: str, ok: bool, status: int, error: str, attempted_at: time, duration_ms: int },
};

const outputMatch: Schema = {
  type: 'object',
  required: ['pattern', 'match_type', 'stream', 'since'],
  properties: { pattern: str, match_type: { enum: ['contains', 'regex'] }, stream: { enum: ['stdout', 'stderr', 'either'] }, command: str, file: str, since: { type: 'object' } },
};

export const outputSchemas: Record<string, Schema> = {
  error: {
    type: 'object',
    required: ['schema_version', 'ok', 'type', 'error'],
    properties: {
      schema_version: { const: '1' },
      ok: { const: false },
      type: { const: 'error' },
      error: { type: 'object', required: ['code', 'message', 'retryable'], properties: { code: str, message: str, retryable: bool, details: { type: 'object' } } },
    },
  },
  // wait_clamped_to_ms (and for run wait_timed_out): the MCP server's bound cut the wait short.
  run: success('run', { ...snapshot, wait_clamped_to_ms: int, wait_timed_out: bool, ...interrupted }, snapshotRequired),
  start: success('start', { ...snapshot, ...interrupted }, snapshotRequired),
  restart: success('restart', { ...snapshot, ...interrupted }, snapshotRequired),
  // One job: its snapshot. Several (ids, --tag, --all, --any): their summaries.
  wait: { anyOf: [success('wait', { ...snapshot, wait_timed_out: bool, wait_clamped_to_ms: int, ...interrupted }, [...snapshotRequired, 'wait_timed_out']), success('wait', { jobs: summaries, pending: { type: 'array', items: jobId }, count: int, waited_ms: int, wait_timed_out: bool, first_job_id: jobId, wait_clamped_to_ms: int, ...interrupted }, ['jobs', 'pending', 'count', 'wait_timed_out'])] },
  submit: success('submit', { jobs: { type: 'array', items: { type: 'object', required: ['job_id', 'short_id', 'line', 'state'], properties: { job_id: jobId, short_id: str, line: { type: 'integer', minimum: 1 }, state } } }, count: int }, ['jobs', 'count']),
  create: success('create', { job_id: jobId, short_id: str, state: { const: 'created' }, tags: strings, ...limits, stdout_log_path: str, stderr_log_path: str }, ['job_id', 'state', 'stdout_log_path', 'stderr_log_path']),
  status: success('status', { ...summary, remote: { type: 'object', properties: { host: str, remote_dir: str, remote_pid: int, container_name: str, container_id: str, runtime: str, slurm_job_id: str, submitting: bool, instance: str, instance_id: str, hourly_cost: { type: 'number' } } }, remote_unreachable: { type: 'object', required: ['since', 'error'], properties: { since: time, error: str } }, pid: int, supervisor_pid: int, supervisor_alive: bool, process_alive: bool, resources: { type: 'object', required: ['processes', 'rss_bytes', 'cpu_seconds', 'cpu_percent', 'uptime_ms'], properties: { processes: int, rss_bytes: int, cpu_seconds: { type: 'number' }, cpu_percent: { type: 'number' }, uptime_ms: int, sampled_at: time, source: { enum: ['ssh', 'docker', 'podman', 'slurm', 'runner'] } } }, waiting_for: str, ...limits, attempt: int, attempts, restart_count: int, restarted_at: time, agent: agentActivity, updated_at: time, stdout_log_path: str, stderr_log_path: str }, [...summaryRequired, 'updated_at']),
  // With --grep: `matches` (and the searched ranges) instead of the two tails.
  tail: { ...success('tail', { job_id: jobId, short_id: str, state, ...tail, pattern: str, matches: { type: 'array', items: grepMatch }, matches_truncated: bool }, ['job_id', 'state', ...tailRequired.filter((k) => !k.endsWith('_tail'))]), anyOf: [{ required: ['stdout_tail', 'stderr_tail'] }, { required: ['matches', 'matches_truncated', 'pattern'] }] },
  logs: success('logs', { job_id: jobId, short_id: str, state, ...tail }, ['job_id', 'state', ...tailRequired]),
  logs_chunk: success('logs_chunk', { job_id: jobId, stream: { enum: ['stdout', 'stderr'] }, offset: int, text: str, at: time }, ['job_id', 'stream', 'offset', 'text', 'at']),
  logs_end: success('logs_end', { job_id: jobId, state, exit_code: int, signal: str, timed_out: bool, finished_at: time, error: errorInfo, stdout_total_bytes: int, stderr_total_bytes: int, at: time, ...interrupted }, ['job_id', 'state', 'timed_out', 'stdout_total_bytes', 'stderr_total_bytes', 'at']),
  logs_activity: success('logs_activity', { job_id: jobId, short_id: str, state, agent: str, events: { type: 'array', items: agentEvent }, total_events: int, activity: agentActivity }, ['job_id', 'state', 'agent', 'events', 'total_events']),
  activity_event: success('activity_event', { job_id: jobId, event: agentEvent, at: time }, ['job_id', 'event', 'at']),
  activity_end: success('activity_end', { job_id: jobId, state, exit_code: int, signal: str, timed_out: bool, finished_at: time, error: errorInfo, total_events: int, activity: agentActivity, at: time, ...interrupted }, ['job_id', 'state', 'timed_out', 'total_events', 'at']),
  kill: { anyOf: [success('kill', { job_id: jobId, signal: str, sent: bool, state, job: { type: 'object', required: summaryRequired, properties: summary }, ...interrupted }, ['job_id', 'signal', 'sent', 'state']), success('kill', { signal: str, jobs: summaries, count: int }, ['signal', 'jobs', 'count'])] },
  list: success('list', { root: str, cwd: str, jobs: { type: 'array', items: listed(summary, summaryRequired) }, count: int, truncated: bool, other_jobs: { type: 'integer', minimum: 1 }, hint: str }, ['jobs', 'truncated']),
  list_item: { anyOf: [success('list_item', summary, summaryRequired), success('list_item', corruptSummary, corruptRequired)] },
  list_end: success('list_end', { count: int, truncated: bool, other_jobs: { type: 'integer', minimum: 1 }, hint: str }, ['count', 'truncated']),
  dashboard: success('dashboard', { root: str, cwd: str, at: time, jobs: { type: 'array', items: listed(dashboardItem, dashboardItemRequired) }, count: int, truncated: bool, by_state: byState }, ['root', 'at', 'jobs', 'count', 'truncated', 'by_state']),
  dashboard_item: { anyOf: [success('dashboard_item', dashboardItem, dashboardItemRequired), success('dashboard_item', corruptSummary, corruptRequired)] },
  dashboard_end: success('dashboard_end', { at: time, count: int, truncated: bool, by_state: byState }, ['at', 'count', 'truncated', 'by_state']),
  events: success('events', { events: { type: 'array', items: logEvent }, next_cursor: cursor }, ['events', 'next_cursor']),
  event: success('event', logEvent['properties'] as Schema, logEvent['required'] as string[]),
  events_end: success('events_end', { next_cursor: cursor }, ['next_cursor']),
  tag_set: success('tag_set', { job_id: jobId, tags: strings }, ['job_id', 'tags']),
  notify_set: success('notify_set', { job_id: jobId, notification: { type: 'object', properties: { notify_command: str, notify_file: str, notify_webhook: str, on_output_match: outputMatch } } }, ['job_id', 'notification']),
  gc: success('gc', {
    cloud_instances: { type: 'object', properties: { destroyed: strings, failed: strings } },
    root: str, dry_run: bool, older_than: str, older_than_source: { enum: ['default', 'flag', 'config'] }, deleted: int, would_delete: int, debris_removed: int, session_slots_removed: int, events_removed: int, skipped: int, freed_bytes: int,
    jobs: { type: 'array', items: { type: 'object', required: ['job_id', 'state', 'action', 'reason', 'bytes'], properties: { job_id: { type: 'string', pattern: '^[0-9a-z]{1,64}$' }, state: listedState, action: { enum: ['deleted', 'would_delete', 'skipped'] }, reason: str, bytes: int } } },
  }, ['root', 'dry_run', 'older_than', 'older_than_source', 'deleted', 'skipped', 'freed_bytes', 'jobs']),
  delete: success('delete', { job_id: { type: 'string', pattern: '^[0-9a-z]{1,64}$' }, state: listedState, deleted: { const: true }, freed_bytes: int, remote_cleanup: { type: 'object', required: ['ok'], properties: { ok: bool, error: str } } }, ['job_id', 'deleted']),
  stats: success('stats', {
    root: str,
    jobs: int,
    by_state: { type: 'object', additionalProperties: int },
    by_executor: { type: 'object', additionalProperties: { type: 'object', additionalProperties: int } },
    disk_bytes: int,
    filesystem_free_bytes: int,
  }, ['root', 'jobs', 'by_state', 'by_executor', 'disk_bytes']),
  executors: success('executors', {
    default: str,
    probed: bool,
    executors: { type: 'array', items: { type: 'object', required: ['name', 'type', 'labels', 'default'], properties: { name: str, type: { enum: ['local', 'ssh', 'container', 'slurm', 'runner', 'cloud'] }, labels: strings, default: bool, last_contact: time, version: str, runner_labels: strings, host: str, port: int, user: str, workdir: str, runtime: str, image: str, partition: str, max_concurrent: int, available: bool, reason: str, detail: str, provider: str, per_job: bool, idle_timeout_ms: int, max_instances: int, instances: cloudInstances } } },
    action: { const: 'down' }, executor: str, destroyed: strings, failed: { type: 'array', items: { type: 'object', properties: { name: str, error: str } } }, busy: { type: 'array', items: { type: 'object', properties: { name: str, jobs: strings } } },
  }, ['default', 'executors', 'probed']),
  queue: success('queue', {
    limits: { type: 'array', items: { type: 'object', required: ['name', 'kind', 'max_concurrent', 'running', 'queued'], properties: { name: str, kind: { enum: ['queue', 'executor', 'session'] }, max_concurrent: int, running: { type: 'array', items: jobId }, queued: { type: 'array', items: jobId } } } },
  }, ['limits']),
  runner: success('runner', { server: str, name: str, root: str, held: int, max_concurrent: int }, ['server', 'name', 'root']),
  serve: success('serve', { url: { type: 'string', pattern: '^http://' }, root: str, token_file: str }, ['url', 'root']),
  schema: success('schema', { schema_type: str, schema: { type: 'object' } }, ['schema']),
  version: success('version', { version: str, schema_version: str, node_version: str, platform: str }, ['version']),
  config_path: success('config_path', { path: str, source: { enum: ['flag', 'env', 'default'] }, exists: bool }, ['path', 'source', 'exists']),
  config_show: success('config_show', { path: str, source: { enum: ['flag', 'env', 'default'] }, exists: bool, config: { type: 'object' } }, ['path', 'source', 'config']),
  config_init: success('config_init', { path: str, written: bool }, ['path', 'written']),
  install_skill: success('install_skill', { path: str, written: bool, outcome: { enum: ['created', 'unchanged', 'updated', 'overwritten'] } }, ['path', 'written', 'outcome']),
  config_import: success('config_import', { path: str, executors: strings, warnings: strings, dry_run: bool, written: bool, config: str }, ['path', 'executors', 'warnings', 'dry_run', 'written']),
};

export const eventSchemas: Record<string, Schema> = {
  'job.finished': {
    type: 'object',
    required: ['schema_version', 'event_type', 'job_id', 'state', 'timed_out', 'command', 'cwd', 'tags', 'stdout_log_path', 'stderr_log_path'],
    properties: { schema_version: { const: '1' }, event_type: { const: 'job.finished' }, job_id: jobId, state, ...outcome, attempt: int, attempts, restart_count: int, agent: agentFinished, instance: str, cost: { type: 'number' }, command: str, cwd: str, tags: strings, started_at: time, stdout_log_path: str, stderr_log_path: str, delivery_results: { type: 'array', items: delivery } },
  },
  'job.output.matched': {
    type: 'object',
    required: ['schema_version', 'event_type', 'job_id', 'stream', 'line', 'line_truncated', 'pattern', 'match_type', 'observed_at'],
    properties: { schema_version: { const: '1' }, event_type: { const: 'job.output.matched' }, job_id: jobId, stream: { enum: ['stdout', 'stderr'] }, line: str, line_truncated: { type: 'boolean' }, pattern: str, match_type: { enum: ['contains', 'regex'] }, observed_at: time, delivery_results: { type: 'array', items: delivery } },
  },
};

export function fullSchema(): Schema {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'jobctl output',
    outputs: outputSchemas,
    events: eventSchemas,
  };
}
