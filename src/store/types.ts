// Shapes of the files in a job directory. meta.json is the definition (changed only by
// `tag set` and `notify set`, and by a retry, which restarts the output-match offsets at the new
// logs' first byte); state.json is the lifecycle record owned by the supervisor.
import type { RemoteExecutor } from '../executors/types.js';
import type { AgentSpec } from '../agents/types.js';

export type JobState = 'created' | 'queued' | 'running' | 'exited' | 'killed' | 'failed' | 'lost';
export const TERMINAL_STATES: readonly JobState[] = ['exited', 'killed', 'failed', 'lost'];
export const ALL_STATES: readonly JobState[] = ['created', 'queued', 'running', ...TERMINAL_STATES];
export const isTerminal = (s: JobState): boolean => TERMINAL_STATES.includes(s);
/** A count per state, every state present (stats, dashboard). */
export const zeroStateCounts = (): Record<JobState, number> => Object.fromEntries(ALL_STATES.map((s) => [s, 0])) as Record<JobState, number>;

export type MatchType = 'contains' | 'regex';
export type StreamName = 'stdout' | 'stderr';
export type StreamFilter = StreamName | 'either';

export interface OutputMatchConfig {
  pattern: string;
  match_type: MatchType;
  stream: StreamFilter;
  command?: string;
  file?: string;
  /** Byte offsets of each log when this pattern was set: earlier output is never matched. */
  since: { stdout: number; stderr: number };
}

export interface NotificationConfig {
  notify_command?: string;
  notify_file?: string;
  /** http(s) URL that gets the job.finished event POSTed. */
  notify_webhook?: string;
  on_output_match?: OutputMatchConfig;
}

export interface JobMeta {
  job_id: string;
  created_at: string;
  name?: string;
  /** Display form of the command. */
  command: string;
  /** What is actually executed (shell wrapper already applied). */
  argv: string[];
  cwd: string;
  /** Non-secret environment overrides. Masked values live in secrets.json (0600). */
  env: Record<string, string>;
  env_file?: string;
  mask: string[];
  timeout_ms?: number;
  kill_after_ms: number;
  progress_every_ms?: number;
  tags: string[];
  /** Each log is cut at this size; the job is killed when it writes past it. */
  max_log_bytes?: number;
  /** Name of the executor; `executor_def` is its definition when the job was created. */
  executor: string;
  executor_def?: RemoteExecutor;
  /** Working directory on a remote executor (for remote jobs `cwd` is the caller's directory). */
  workdir?: string;
  memory_limit_bytes?: number;
  cpu_limit?: number;
  /** Named queue ([queues.NAME]) whose max_concurrent limits this job with others. */
  queue?: string;
  /** Jobs that must be terminal first (--after); with require_ok they must have exited 0 (--after-ok). */
  after?: Dependency[];
  /** --retry N: further attempts after an attempt ending as `on` says. */
  retry?: RetryPolicy;
  notification: NotificationConfig;
  /** A coding-agent payload (--prompt): argv runs the agent CLI with the prompt file on stdin. */
  agent?: AgentSpec;
  /** Defaults for snapshots of this job (`run`/`start` observe with these). */
  tail_lines: number;
  max_bytes: number;
}

export interface Dependency {
  job_id: string;
  require_ok: boolean;
}

export type RetryOn = 'nonzero' | 'timeout' | 'lost' | 'any';

export interface RetryPolicy {
  /** Further attempts after the first (attempts = max + 1). */
  max: number;
  delay_ms: number;
  on: RetryOn;
}

/** How one attempt of a retried job ended (the last attempt's outcome is the job's own). */
export interface AttemptRecord {
  attempt: number;
  state: JobState;
  exit_code?: number;
  signal?: string;
  timed_out?: boolean;
  error?: JobErrorInfo;
  lost_reason?: string;
  started_at?: string;
  finished_at?: string;
  duration_ms?: number;
  /** Where that attempt's output was kept. */
  stdout_log_path?: string;
  stderr_log_path?: string;
}

export interface JobErrorInfo {
  code: string;
  message: string;
}

export interface KillRequest {
  signal: string;
  grace_ms: number;
  requested_at: string;
}

export interface JobStateRecord {
  state: JobState;
  updated_at: string;
  boot_id?: string;
  launcher_pid?: number;
  launcher_start_time?: string;
  supervisor_pid?: number;
  supervisor_start_time?: string;
  pid?: number;
  pid_start_time?: string;
  queued_at?: string;
  started_at?: string;
  finished_at?: string;
  exit_code?: number;
  signal?: string;
  timed_out?: boolean;
  duration_ms?: number;
  error?: JobErrorInfo;
  kill_request?: KillRequest;
  /** Heartbeat written every --progress-every while running. */
  progress?: { stdout_bytes: number; stderr_bytes: number; at: string };
  /** Why jobctl ended the job itself (`max_log_bytes`). */
  kill_reason?: string;
  /** True when a log was cut at max_log_bytes. */
  log_truncated?: boolean;
  /** The detached process delivering job.finished for a job that ended without its supervisor. */
  deliverer_pid?: number;
  deliverer_start_time?: string;
  /** Why a lost job was declared lost. */
  lost_reason?: string;
  /** Where a remote job runs, recorded by its supervisor (see supervisor/targets). */
  remote?: RemoteIdentity;
  /** Why a queued job is not running yet: `queue NAME`, `executor NAME`, `job ID`. */
  waiting_for?: string;
  /** The attempt in progress (1-based), for jobs with --retry. */
  attempt?: number;
  /** Earlier attempts of a retried job, oldest first. */
  attempts?: AttemptRecord[];
  /** A retry waits until this time (--retry-delay) before it may start. */
  retry_at?: string;
  /** How many times a new supervisor was attached to this remote job after one died. */
  reattach_count?: number;
  /** Set while the supervisor cannot reach a remote job's executor; cleared on contact. */
  remote_unreachable?: { since: string; error: string };
}

/** Identity of a job on its executor: what `status` shows and what a new supervisor re-attaches to. */
export interface RemoteIdentity {
  /** Recorded before the job is handed over, so a supervisor that dies mid-hand-over is detected. */
  submitting?: boolean;
  host?: string;
  remote_dir?: string;
  remote_pid?: number;
  container_name?: string;
  container_id?: string;
  runtime?: string;
  slurm_job_id?: string;
}

/**
 * secrets.json: `env` values are injected into the job's environment (masked --env); `known`
 * values are only redacted (masked keys inherited or read from the env file).
 */
export interface Secrets {
  env: Record<string, string>;
  known: Record<string, string>;
}

export const secretValues = (s: Secrets): string[] => [...Object.values(s.env), ...Object.values(s.known)];

export interface JobRecord {
  dir: string;
  meta: JobMeta;
  state: JobStateRecord;
}

/** The part of the definition a summary shows (what `list` keeps in its index). */
export type MetaSummary = Pick<JobMeta, 'job_id' | 'created_at' | 'name' | 'command' | 'cwd' | 'tags' | 'executor' | 'mask'> & { agent?: Pick<AgentSpec, 'name'> };

/** A job as `list` sees it: its summary fields and its state. */
export interface ListedJob {
  dir: string;
  meta: MetaSummary;
  state: JobStateRecord;
}
