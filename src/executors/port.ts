// What the supervisor needs from a remote executor (SSH host, container runtime, Slurm). The
// local supervisor stays the one owner of the job's state and logs; a target only starts the
// process elsewhere, reports on it, brings its output home and signals it.
// Every method is one bounded step (its own timeout) that may fail with TargetError; the
// supervisor retries transient failures with backoff, so no method loops on its own.
import type { JobMeta } from '../store/types.js';
import type { JobErrorInfo, RemoteIdentity } from '../job/state.js';
import type { ResourceSource } from '../store/resources.js';
import type { Resources } from '../util/resources.js';

export class TargetError extends Error {
  constructor(
    message: string,
    /** false: retrying cannot help (bad key, missing image, unknown Slurm partition). */
    readonly transient: boolean,
  ) {
    super(message);
    this.name = 'TargetError';
  }
}

export interface SubmitSpec {
  dir: string;
  meta: JobMeta;
  /** Environment of the job: executor env, then the job's --env, --env-file and masked values. Never process.env. */
  env: Record<string, string>;
  /**
   * The exact bytes the job's command reads on stdin: an agent job's prompt, or a command job's
   * --stdin. Only ever sent as file content; undefined for other jobs (stdin is /dev/null).
   */
  stdin?: Buffer;
}

export type RemotePhase =
  | { phase: 'pending' }
  | { phase: 'running'; startedAt?: string }
  | {
      phase: 'ended';
      /** The exit status the executor observed (a shell's 128+N is a code, not a signal). */
      code?: number;
      signal?: string;
      /** The executor's own time limit ended it (Slurm TIMEOUT, the remote watchdog). */
      timedOut?: boolean;
      /** Set when the executor itself failed the job (OOM kill, node failure, vanished process). */
      error?: JobErrorInfo;
      /** Set when nobody observed how it ended: the job becomes `lost` with this reason. */
      lostReason?: string;
      /** When it started, if the executor knows (a job that ran between two polls). */
      startedAt?: string;
      /** When it ended, if the executor knows. */
      finishedAt?: string;
      /** The job ended without ever running (cancelled while pending): no started_at. */
      neverStarted?: boolean;
    };

export interface LogSink {
  /** Current size of the local log: the offset the next bytes belong at. */
  size(stream: 'stdout' | 'stderr'): number;
  append(stream: 'stdout' | 'stderr', bytes: Buffer): void;
}

export interface RemoteTarget {
  /** How often the supervisor polls this kind of target. */
  readonly pollMs: number;
  /** True when a successful submit means the job's process runs (no pending phase). */
  readonly startsOnSubmit?: boolean;
  /** True when the executor enforces meta.timeout_ms itself (and reports timedOut). */
  readonly enforcesTimeout?: boolean;
  /**
   * Hands the job to the executor and returns its identity. `prepared` was recorded in
   * state.json (with submitting:true) before this call, so that a supervisor dying here is found.
   */
  submit(spec: SubmitSpec, prepared: RemoteIdentity): Promise<RemoteIdentity>;
  /** Identity fields known before submitting (remote dir, container name); may be {}. */
  prepare(spec: SubmitSpec): RemoteIdentity;
  /**
   * After a supervisor died mid-submit: the identity if the job did reach the executor,
   * undefined if it certainly did not.
   */
  recover(spec: SubmitSpec, prepared: RemoteIdentity): Promise<RemoteIdentity | undefined>;
  phase(id: RemoteIdentity): Promise<RemotePhase>;
  /** Copies output the local logs lack (from their current sizes on) into them. */
  sync(id: RemoteIdentity, logs: LogSink): Promise<void>;
  /** Sends `signal` to the job's whole process tree (for Slurm, cancels a pending job). */
  signal(id: RemoteIdentity, signal: NodeJS.Signals): Promise<void>;
  /** Removes what the job left on the executor (container, remote directory). */
  cleanup(id: RemoteIdentity): Promise<void>;
  /** What resource samples are taken with (status `resources.source`). */
  readonly resourceSource: ResourceSource;
  /** Between two resource samples, when not the default 5 s (Slurm: each one asks its daemons). */
  readonly sampleEveryMs?: number;
  /**
   * One sample of the running job's resource use, bounded by `timeoutMs`; undefined when the
   * executor has none to give. `startedAt` is the job's recorded start.
   */
  sample(id: RemoteIdentity, startedAt: string | undefined, timeoutMs: number): Promise<Resources | undefined>;
  /** Releases connections and child processes. */
  close(): Promise<void>;
}
