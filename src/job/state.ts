// The lifecycle record of a job (state.json) as a tagged union on `state`: each state carries
// only its own fields, and every field of another state is typed `never`, so an exit code on a
// queued job, or a job `running` without a start time, does not type-check.
// Invariants (enforced by the transitions in transitions.ts, applied by apply.ts):
// - created → queued → running → exited | killed | failed | lost; queued may end without running
//   (killed, failed, lost) and go back to queued only for a retry (attempts.ts).
// - A terminal state is final: no transition leaves exited, killed, failed or lost — except
//   `restart` (transitions.ts), the one explicit exception: the user runs the job again in place
//   (terminal → queued, attempt + 1), applied by applyRestart under the lock as a
//   compare-and-set against the terminal state the caller read.
// - Fields of the process (pid, started_at, timed_out, ...) exist only from `running` on;
//   fields of waiting (waiting_for, retry_at, parked) only while `queued`.

export type JobStateName = 'created' | 'queued' | 'running' | 'exited' | 'killed' | 'failed' | 'lost';
export type TerminalStateName = 'exited' | 'killed' | 'failed' | 'lost';
export const TERMINAL_STATES: readonly JobStateName[] = ['exited', 'killed', 'failed', 'lost'];
export const ALL_STATES: readonly JobStateName[] = ['created', 'queued', 'running', ...TERMINAL_STATES];
export const isTerminal = (s: JobStateName): s is TerminalStateName => TERMINAL_STATES.includes(s);
/** A count per state, every state present (stats, dashboard). */
export const zeroStateCounts = (): Record<JobStateName, number> => Object.fromEntries(ALL_STATES.map((s) => [s, 0])) as Record<JobStateName, number>;

/** Why a job failed or could not run: one code per cause, recorded in `error.code`. */
export type JobErrorCode =
  | 'launch_failed'
  | 'disk_full'
  | 'dependency_failed'
  | 'executor_failed'
  | 'executor_unavailable'
  | 'oom_killed'
  | 'container_error';

export interface JobErrorInfo {
  code: JobErrorCode;
  message: string;
}

/** Why jobctl itself ended a job: its log cap, its agent turn limit, or a signal to its supervisor. */
export type KillReason = 'max_log_bytes' | 'max_turns' | 'supervisor_signal';

export interface KillRequest {
  signal: string;
  grace_ms: number;
  requested_at: string;
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
  /** A cloud job's instance (jobctl's name for it) and the provider's id of it. */
  instance?: string;
  instance_id?: string;
  /** The job's share of its instance's price per hour (cost in job.finished). */
  hourly_cost?: number;
}

/** How one attempt of a retried job ended (the last attempt's outcome is the job's own). */
export interface AttemptRecord {
  attempt: number;
  state: JobStateName;
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

export interface Progress {
  stdout_bytes: number;
  stderr_bytes: number;
  at: string;
}

export interface Unreachable {
  since: string;
  error: string;
}

/** Fields any state may carry: who launched and supervises the job, where it runs, its attempts. */
interface Common {
  updated_at: string;
  boot_id?: string;
  launcher_pid?: number;
  launcher_start_time?: string;
  supervisor_pid?: number;
  supervisor_start_time?: string;
  queued_at?: string;
  /** Where a remote job runs, recorded by its supervisor. */
  remote?: RemoteIdentity;
  /** The attempt in progress (1-based), for jobs with --retry. */
  attempt?: number;
  /** Earlier attempts of a retried job, oldest first. */
  attempts?: AttemptRecord[];
  /** How many times `jobctl restart` ran the job again, the latest time, and the attempt it began. */
  restart_count?: number;
  restarted_at?: string;
  restart_attempt?: number;
  /** How many times a new supervisor was attached to this remote job after one died. */
  reattach_count?: number;
  /** A kill asked for (a remote job is signalled by its supervisor, even while pending). */
  kill_request?: KillRequest;
  /** Set while the supervisor cannot reach a remote job's executor; cleared on contact. */
  remote_unreachable?: Unreachable;
}

/** Fields of a job whose process was started. */
interface Process {
  started_at?: string;
  pid?: number;
  pid_start_time?: string;
  /** Heartbeat written every --progress-every while running. */
  progress?: Progress;
  timed_out?: boolean;
  kill_reason?: KillReason;
  /** True when a log was cut at max_log_bytes. */
  log_truncated?: boolean;
}

/** Fields of a job that ended. */
interface Ended {
  finished_at: string;
  duration_ms?: number;
  /** The detached process delivering job.finished for a job that ended without its supervisor. */
  deliverer_pid?: number;
  deliverer_start_time?: string;
}

interface Waiting {
  /** Why a queued job is not running yet: `queue NAME`, `executor NAME`, `job ID`, `retry at T`. */
  waiting_for?: string;
  /** A retry waits until this time (--retry-delay) before it may start. */
  retry_at?: string;
  /**
   * The job waits as a record, with no process: its ticket is in a line of the store
   * (store/waiting-lines.ts) and whoever frees what it waits for starts its supervisor
   * (supervisor/dispatch.ts). A parked job has no supervisor and no boot id.
   */
  parked?: true;
}

interface Outcome {
  exit_code?: number;
  signal?: string;
  error?: JobErrorInfo;
  /** Why a lost job was declared lost. */
  lost_reason?: string;
}

type AllFields = Common & Process & Ended & Waiting & Outcome & { state: JobStateName };
/** `V` with every field of the other states typed never (absent). */
type Only<V> = V & { [K in Exclude<keyof AllFields, keyof V>]?: never };

export type CreatedState = Only<Common & { state: 'created' }>;
export type QueuedState = Only<Common & Waiting & { state: 'queued'; queued_at: string }>;
export type RunningState = Only<Common & Process & { state: 'running'; started_at: string }>;
export type ExitedState = Only<Common & Process & Ended & { state: 'exited'; exit_code: number }>;
export type KilledState = Only<Common & Process & Ended & { state: 'killed'; signal: string }>;
/** A failure may come with how the process ended (a full disk after the exit, an executor's verdict). */
export type FailedState = Only<Common & Process & Ended & Pick<Outcome, 'exit_code' | 'signal'> & { state: 'failed'; error: JobErrorInfo }>;
export type LostState = Only<Common & Process & Ended & { state: 'lost'; lost_reason: string }>;

export type JobStateRecord = CreatedState | QueuedState | RunningState | ExitedState | KilledState | FailedState | LostState;
export type TerminalState = ExitedState | KilledState | FailedState | LostState;
/** A state that is not final (what a transition may change). */
export type LiveState = CreatedState | QueuedState | RunningState;

export const isTerminalState = (s: JobStateRecord): s is TerminalState => isTerminal(s.state);
