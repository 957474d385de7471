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


/** Hetzner Cloud: the server each instance is (cloud/provider-hetzner.ts). */
export interface HetznerSettings {
  /** Environment variable holding the API token (never the token itself). */
  token_env: string;
  server_type: string;
  image: string;
  location?: string;
  /** Names or ids of SSH keys known to the project, put on each server. */
  ssh_keys: string[];
  /** Labels put on each server, besides jobctl's own. */
  server_labels: Record<string, string>;
  api_url: string;
}

/**
 * Instances made on demand (cloud/): each job runs on one over SSH, as on an ssh executor
 * whose host is the instance. `max_concurrent` is the executor's whole limit (max_instances ×
 * instance_jobs) so that jobs beyond it wait parked; `instance_jobs` is the per-instance one.
 */
export interface CloudExecutor extends Omit<SshExecutor, 'type' | 'host'> {
  type: 'cloud';
  provider: 'command' | 'hetzner';
  /** provider "command": prints the instance as JSON; destroy gets it on stdin. */
  provision?: string;
  destroy?: string;
  hetzner?: HetznerSettings;
  /** Milliseconds from asking for an instance until SSH answers on it, at most. */
  boot_timeout_ms: number;
  /** Milliseconds an idle instance is kept for the next job. */
  idle_timeout_ms: number;
  max_instances?: number;
  /** Jobs one instance runs at once. */
  instance_jobs: number;
  per_job: boolean;
}

export type RemoteExecutor = SshExecutor | ContainerExecutor | SlurmExecutor | RunnerExecutor | CloudExecutor;

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
