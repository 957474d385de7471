// Shapes of the files in a job directory. meta.json is the definition (changed only by
// `tag set` and `notify set`, and by a retry, which restarts the output-match offsets at the new
// logs' first byte); state.json is the lifecycle record, whose shape and moves belong to the
// lifecycle core (job/state.ts): the store only holds it.
import type { RemoteExecutor } from '../executors/types.js';
import type { AgentSpec } from '../agents/types.js';
import type { JobStateRecord } from '../job/state.js';

import type { MatchType } from '../util/line-matcher.js';
export type { MatchType };
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
  /** The env of a local executor ([executors.NAME] env), laid over jobctl's own for this job. */
  executor_env?: Record<string, string>;
  /** Working directory on a remote executor (for remote jobs `cwd` is the caller's directory). */
  workdir?: string;
  memory_limit_bytes?: number;
  cpu_limit?: number;
  /** Named queue ([queues.NAME]) whose max_concurrent limits this job with others. */
  queue?: string;
  /**
   * The queue and executor limits the job is subject to, as the config it was created with
   * defined them (store/slot-limits.ts). Absent in jobs from before it was recorded.
   */
  limits?: ConfiguredLimit[];
  /** Jobs that must be terminal first (--after); with require_ok they must have exited 0 (--after-ok). */
  after?: Dependency[];
  /** --retry N: further attempts after an attempt ending as `on` says. */
  retry?: RetryPolicy;
  notification: NotificationConfig;
  /** A coding-agent payload (--prompt): argv runs the agent CLI with the prompt file on stdin. */
  agent?: AgentSpec;
  /** A command job given --stdin / --stdin-file: the size of its stored stdin file. */
  stdin_bytes?: number;
  /** Defaults for snapshots of this job (`run`/`start` observe with these). */
  tail_lines: number;
  max_bytes: number;
}

/** A queue's or an executor's max_concurrent, as recorded in a job's meta. */
export interface ConfiguredLimit {
  kind: 'queue' | 'executor';
  name: string;
  max: number;
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

/** A job directory whose meta.json or state.json cannot be read as a job record. */
export interface CorruptJob {
  dir: string;
  job_id: string;
  /** What is wrong, naming the file. */
  reason: string;
  /** The directory's mtime: its age for gc. */
  mtime_ms: number;
}

export const isCorrupt = <T extends object>(job: T | CorruptJob): job is CorruptJob => 'reason' in job;

/** The part of the definition a summary shows (what `list` keeps in its index). */
export type MetaSummary = Pick<JobMeta, 'job_id' | 'created_at' | 'name' | 'command' | 'cwd' | 'tags' | 'executor' | 'mask'> & { agent?: Pick<AgentSpec, 'name'> };

/** A job as `list` sees it: its summary fields and its state. */
export interface ListedJob {
  dir: string;
  meta: MetaSummary;
  state: JobStateRecord;
}
