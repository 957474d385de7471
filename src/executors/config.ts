// Validation of the [executors.NAME] tables of config.toml, key by key: every problem is a
// config_error naming the file, the line and the key.
import { configError, lineOf } from '../config-error.js';
import { ENV_KEY } from '../supervisor/env-file.js';
import { AGENT_NAMES } from '../agents/types.js';
import { LOCAL_EXECUTOR, type AgentPaths, type ExecutorDef, type ContainerExecutor, type SlurmExecutor, type SshExecutor } from './types.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const LABEL = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

class Reader {
  constructor(
    private readonly path: string,
    private readonly text: string,
    private readonly name: string,
    private readonly raw: Record<string, unknown>,
  ) {}

  fail(key: string, message: string): never {
    throw configError(this.path, `executors.${this.name}${key ? `.${key}` : ''}`, message, lineOf(this.text, `executors.${this.name}`, key || undefined));
  }

  /** Rejects keys this type does not know: a typo must not silently fall back to a default. */
  only(allowed: string[]): void {
    for (const key of Object.keys(this.raw)) if (!allowed.includes(key)) this.fail(key, `unknown key for type "${String(this.raw['type'])}" (known: ${allowed.join(', ')})`);
  }

  string(key: string, required: true): string;
  string(key: string, required?: false): string | undefined;
  string(key: string, required = false): string | undefined {
    const v = this.raw[key];
    if (v === undefined) return required ? this.fail(key, 'is required') : undefined;
    if (typeof v !== 'string' || v === '' || v.includes('\0')) this.fail(key, 'must be a non-empty string');
    return v;
  }

  strings(key: string, pattern?: RegExp): string[] {
    const v = this.raw[key];
    if (v === undefined) return [];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && x !== '' && !x.includes('\0') && (!pattern || pattern.test(x)))) {
      this.fail(key, pattern ? `must be an array of strings matching ${pattern.source}` : 'must be an array of non-empty strings');
    }
    return v as string[];
  }

  /** max_concurrent and the agent CLI paths, shared by every executor type. */
  limit(def: { max_concurrent?: number; agent_paths?: AgentPaths }): void {
    const max = this.integer('max_concurrent', 1, 10_000);
    if (max !== undefined) def.max_concurrent = max;
    const paths: AgentPaths = {};
    for (const agent of AGENT_NAMES) {
      const path = this.string(`${agent}_path`);
      if (path === undefined) continue;
      // Run as argv[0] on the executor, never through a shell: absolute, or a name found on PATH.
      if (!(path.startsWith('/') || !path.includes('/')) || path.startsWith('-') || /[\r\n]/.test(path)) this.fail(`${agent}_path`, 'must be an absolute path or a program name found on PATH');
      paths[agent] = path;
    }
    if (Object.keys(paths).length > 0) def.agent_paths = paths;
  }

  integer(key: string, min: number, max: number): number | undefined {
    const v = this.raw[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) this.fail(key, `must be an integer from ${min} to ${max}`);
    return v;
  }

  env(): Record<string, string> {
    const v = this.raw['env'];
    if (v === undefined) return {};
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail('env', 'must be a table of NAME = "value"');
    const out: Record<string, string> = {};
    for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
      if (!ENV_KEY.test(k)) this.fail('env', `${JSON.stringify(k)} is not a valid variable name`);
      if (typeof val !== 'string' || val.includes('\0')) this.fail('env', `${k} must be a string`);
      out[k] = val;
    }
    return out;
  }
}

/** Keys every executor type takes (the built-in local one takes only these). */
const COMMON_KEYS = ['max_concurrent', ...AGENT_NAMES.map((a) => `${a}_path`)];

/** A working directory on the executor: absolute, or under the remote home (~/...). */
function remoteWorkdir(r: Reader): string | undefined {
  const workdir = r.string('workdir');
  if (workdir !== undefined && !workdir.startsWith('/') && workdir !== '~' && !workdir.startsWith('~/')) r.fail('workdir', 'must be absolute or start with ~/');
  return workdir;
}

function sshExecutor(r: Reader): SshExecutor {
  r.only(['type', 'host', 'port', 'user', 'identity_file', 'known_hosts', 'workdir', 'connect_timeout', 'labels', 'env', ...COMMON_KEYS]);
  const host = r.string('host', true);
  // Whatever reaches ssh as the destination must not be read as an option.
  if (host.startsWith('-') || /\s/.test(host)) r.fail('host', 'must be a host name or address');
  const user = r.string('user');
  if (user !== undefined && (user.startsWith('-') || /[\s@]/.test(user))) r.fail('user', 'must be a user name');
  const def: SshExecutor = { type: 'ssh', host, labels: r.strings('labels', LABEL), env: r.env() };
  const port = r.integer('port', 1, 65535);
  if (port !== undefined) def.port = port;
  if (user !== undefined) def.user = user;
  const identity = r.string('identity_file');
  if (identity !== undefined) def.identity_file = identity;
  const knownHosts = r.string('known_hosts');
  // ssh reads UserKnownHostsFile as a list separated by spaces.
  if (knownHosts !== undefined && /\s/.test(knownHosts)) r.fail('known_hosts', 'must be a path without spaces');
  if (knownHosts !== undefined) def.known_hosts = knownHosts;
  const workdir = remoteWorkdir(r);
  if (workdir !== undefined) def.workdir = workdir;
  const connectTimeout = r.integer('connect_timeout', 1, 300);
  if (connectTimeout !== undefined) def.connect_timeout = connectTimeout;
  r.limit(def);
  return def;
}

function containerExecutor(r: Reader): ContainerExecutor {
  r.only(['type', 'runtime', 'image', 'volumes', 'workdir', 'network', 'labels', 'env', ...COMMON_KEYS]);
  const runtime = r.string('runtime') ?? 'docker';
  if (runtime !== 'docker' && runtime !== 'podman') r.fail('runtime', 'must be "docker" or "podman"');
  const image = r.string('image', true);
  if (image.startsWith('-')) r.fail('image', 'must be an image reference');
  const def: ContainerExecutor = { type: 'container', runtime, image, volumes: r.strings('volumes'), labels: r.strings('labels', LABEL), env: r.env() };
  for (const v of def.volumes) if (v.startsWith('-')) r.fail('volumes', `${JSON.stringify(v)} is not a volume (SRC:DST[:OPTS])`);
  const workdir = r.string('workdir');
  if (workdir !== undefined && !workdir.startsWith('/')) r.fail('workdir', 'must be an absolute path in the container');
  if (workdir !== undefined) def.workdir = workdir;
  const network = r.string('network');
  if (network !== undefined) {
    if (network.startsWith('-')) r.fail('network', 'must be a network name');
    def.network = network;
  }
  r.limit(def);
  return def;
}

function slurmExecutor(r: Reader): SlurmExecutor {
  r.only(['type', 'partition', 'sbatch_args', 'workdir', 'labels', 'env', ...COMMON_KEYS]);
  const def: SlurmExecutor = { type: 'slurm', sbatch_args: r.strings('sbatch_args'), labels: r.strings('labels', LABEL), env: r.env() };
  for (const a of def.sbatch_args) if (!a.startsWith('-')) r.fail('sbatch_args', `${JSON.stringify(a)}: each entry must be one option such as "--cpus-per-task=2"`);
  const partition = r.string('partition');
  if (partition !== undefined) {
    if (partition.startsWith('-')) r.fail('partition', 'must be a partition name');
    def.partition = partition;
  }
  const workdir = r.string('workdir');
  if (workdir !== undefined && !workdir.startsWith('/')) r.fail('workdir', 'must be an absolute path');
  if (workdir !== undefined) def.workdir = workdir;
  r.limit(def);
  return def;
}

/** Validates the `executors` table; `local` always exists and cannot be redefined. */
export function validateExecutors(raw: unknown, path: string, text: string): Record<string, ExecutorDef> {
  const out: Record<string, ExecutorDef> = { local: LOCAL_EXECUTOR };
  if (raw === undefined) return out;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw configError(path, 'executors', 'must be a table of [executors.NAME] tables');
  for (const [name, body] of Object.entries(raw as Record<string, unknown>)) {
    if (!NAME.test(name)) throw configError(path, `executors.${name}`, 'names use letters, digits, ".", "_" and "-" (at most 64)', lineOf(text, `executors.${name}`));
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw configError(path, `executors.${name}`, 'must be a table');
    const r = new Reader(path, text, name, body as Record<string, unknown>);
    if (name === 'local') {
      // Built in: only its concurrency limit and agent paths can be set.
      if ('type' in body) throw configError(path, 'executors.local', '"local" is built in and cannot be redefined (only max_concurrent and the agent paths may be set)', lineOf(text, 'executors.local'));
      r.only(COMMON_KEYS);
      const local: ExecutorDef = { ...LOCAL_EXECUTOR };
      r.limit(local);
      out['local'] = local;
      continue;
    }
    const type = r.string('type', true);
    if (type === 'ssh') out[name] = sshExecutor(r);
    else if (type === 'container') out[name] = containerExecutor(r);
    else if (type === 'slurm') out[name] = slurmExecutor(r);
    else r.fail('type', 'must be "ssh", "container" or "slurm"');
  }
  return out;
}
