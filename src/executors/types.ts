// Executor definitions ([executors.NAME] in config.toml). A job records the definition it was
// created with (meta.executor_def), so a later config edit never changes where a job runs.
import type { AgentName } from '../agents/types.js';

/** `claude_path`, `codex_path`, ...: where an executor has each coding-agent CLI (else PATH). */
export type AgentPaths = Partial<Record<AgentName, string>>;

export interface SshExecutor {
  type: 'ssh';
  host: string;
  port?: number;
  user?: string;
  identity_file?: string;
  known_hosts?: string;
  /** Default remote working directory ("~/..." is relative to the remote home). */
  workdir?: string;
  /** Seconds to wait for a connection before a step fails (default 10). */
  connect_timeout?: number;
  labels: string[];
  env: Record<string, string>;
  /** Jobs of this executor running at once at most (unset: no limit). */
  max_concurrent?: number;
  agent_paths?: AgentPaths;
}

export interface ContainerExecutor {
  type: 'container';
  runtime: 'docker' | 'podman';
  image: string;
  volumes: string[];
  workdir?: string;
  network?: string;
  labels: string[];
  env: Record<string, string>;
  /** Jobs of this executor running at once at most (unset: no limit). */
  max_concurrent?: number;
  agent_paths?: AgentPaths;
}

export interface SlurmExecutor {
  type: 'slurm';
  partition?: string;
  sbatch_args: string[];
  workdir?: string;
  labels: string[];
  env: Record<string, string>;
  /** Jobs of this executor running at once at most (unset: no limit). */
  max_concurrent?: number;
  agent_paths?: AgentPaths;
}

/** A machine running `jobctl runner`, which pulls its jobs from `jobctl serve` (docs/runners.md). */
export interface RunnerExecutor {
  type: 'runner';
  /** The file holding the token this runner presents (never a client token). */
  token_file: string;
  /** A claimed job whose runner is not heard from for this long becomes `lost` (default 60 s). */
  lease_ms: number;
  workdir?: string;
  labels: string[];
  env: Record<string, string>;
  /** Jobs of this executor running at once at most (unset: no limit). */
  max_concurrent?: number;
  agent_paths?: AgentPaths;
}

export type RemoteExecutor = SshExecutor | ContainerExecutor | SlurmExecutor | RunnerExecutor;

export interface LocalExecutor {
  type: 'local';
  /** Default working directory of its jobs when --cwd is not given ("~/..." is under $HOME). */
  workdir?: string;
  labels: string[];
  env: Record<string, string>;
  /** Jobs of this executor running at once at most (unset: no limit). */
  max_concurrent?: number;
  agent_paths?: AgentPaths;
}

export type ExecutorDef = LocalExecutor | RemoteExecutor;

export const isRemote = (def: ExecutorDef | undefined): def is RemoteExecutor => def !== undefined && def.type !== 'local';

/** The built-in executor every config has. */
export const LOCAL_EXECUTOR: LocalExecutor = { type: 'local', labels: [], env: {} };
