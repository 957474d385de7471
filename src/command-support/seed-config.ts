// `config import`: the mapping of an openclaw-coding-agent config (its YAML already parsed) to
// jobctl's config.toml. Pure: the caller parses the file and says where each value sits
// (`lineAt`), so every error names the YAML line; every key without a jobctl equivalent becomes
// a warning, never a silent drop. The result is checked with jobctl's own config validation.
import { stringify } from 'smol-toml';
import { JobError } from '../errors.js';
import { validateConfig } from '../config.js';

export type YamlPath = (string | number)[];

export interface ImportResult {
  /** config.toml text. */
  toml: string;
  /** Executor names, in the file's order. */
  executors: string[];
  /** One line per key that could not be mapped: "executors[2].gpu_count: no equivalent". */
  warnings: string[];
}

const AGENT_PATHS = ['claude_path', 'codex_path', 'gemini_path', 'opencode_path'];
const COMMON: Record<string, string> = {
  labels: 'labels',
  env: 'env',
  max_concurrent: 'max_concurrent',
  ...Object.fromEntries(AGENT_PATHS.map((k) => [k, k])),
};
const WORKDIR: Record<string, string> = { workdir: 'workdir', work_dir: 'workdir', working_dir: 'workdir' };

/** Seed key → TOML key, per jobctl type. */
const KEYS: Record<string, Record<string, string>> = {
  local: { ...COMMON, ...WORKDIR },
  ssh: {
    ...COMMON,
    ...WORKDIR,
    host: 'host',
    port: 'port',
    user: 'user',
    identity_file: 'identity_file',
    key_file: 'identity_file',
    ssh_key: 'identity_file',
    known_hosts: 'known_hosts',
    connect_timeout: 'connect_timeout',
  },
  container: { ...COMMON, ...WORKDIR, runtime: 'runtime', image: 'image', volumes: 'volumes', network: 'network' },
  slurm: { ...COMMON, ...WORKDIR, partition: 'partition', sbatch_args: 'sbatch_args' },
};

/** Seed type → jobctl type (docker and podman are containers with that runtime). */
const TYPES: Record<string, { type: string; runtime?: string }> = {
  local: { type: 'local' },
  ssh: { type: 'ssh' },
  container: { type: 'container' },
  docker: { type: 'container', runtime: 'docker' },
  podman: { type: 'container', runtime: 'podman' },
  slurm: { type: 'slurm' },
};

const DEFAULTS: Record<string, string[]> = {
  max_turns: ['defaults', 'max_turns'],
  executor: ['defaults', 'executor'],
  default_executor: ['defaults', 'executor'],
  max_log_bytes: ['defaults', 'max_log_bytes'],
  webhook_url: ['notify', 'webhook_url'],
  webhook_secret: ['notify', 'webhook_secret'],
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (path: YamlPath): string => path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${p}`)).join('');

class Mapper {
  readonly warnings: string[] = [];
  /** TOML key (as config_error names it) → the YAML path it came from. */
  readonly origins = new Map<string, YamlPath>();

  constructor(
    private readonly file: string,
    private readonly lineAt: (path: YamlPath) => number | undefined,
  ) {}

  fail(path: YamlPath, message: string): never {
    const line = this.lineAt(path);
    const where = line !== undefined ? `${this.file}:${line}` : this.file;
    const key = show(path);
    throw new JobError('config_error', `${where}: ${key ? `${key}: ` : ''}${message}`, { path: this.file, ...(key ? { key } : {}), ...(line !== undefined ? { line } : {}) });
  }

  warn(path: YamlPath, why = 'no equivalent'): void {
    this.warnings.push(`${show(path)}: ${why}`);
  }

  /** Copies the keys of `body` that `keys` maps into `out`; the others are warnings. */
  copy(body: Record<string, unknown>, at: YamlPath, keys: Record<string, string>, out: Record<string, unknown>, tomlPrefix: string, skip: string[] = []): void {
    for (const [key, value] of Object.entries(body)) {
      if (skip.includes(key)) continue;
      const target = Object.hasOwn(keys, key) ? keys[key] : undefined;
      if (target === undefined) this.warn([...at, key]);
      else if (value === null) this.warn([...at, key], 'empty, left out');
      else if (Object.hasOwn(out, target)) this.warn([...at, key], `duplicates ${target}, left out`);
      else {
        out[target] = value;
        this.origins.set(`${tomlPrefix}.${target}`, [...at, key]);
      }
    }
  }
}

function mapExecutor(m: Mapper, entry: unknown, i: number, names: Set<string>): [string, Record<string, unknown>] {
  const at: YamlPath = ['executors', i];
  if (!isObject(entry)) m.fail(at, 'must be a mapping with name and type');
  const name = entry['name'];
  if (typeof name !== 'string' || name === '') m.fail([...at, 'name'], 'is required: a non-empty string');
  if (names.has(name)) m.fail([...at, 'name'], `${JSON.stringify(name)} is named twice`);
  names.add(name);
  const seedType = entry['type'] ?? (name === 'local' ? 'local' : undefined);
  if (typeof seedType !== 'string') m.fail([...at, 'type'], 'is required: local, ssh, docker, podman, container or slurm');
  const kind = Object.hasOwn(TYPES, seedType) ? TYPES[seedType] : undefined;
  if (kind === undefined) m.fail([...at, 'type'], `unknown executor type ${JSON.stringify(seedType)} (known: ${Object.keys(TYPES).join(', ')})`);
  const prefix = `executors.${name}`;
  // The built-in local executor takes its keys without a type.
  const out: Record<string, unknown> = kind.type === 'local' && name === 'local' ? {} : { type: kind.type };
  m.origins.set(`${prefix}.type`, [...at, 'type']);
  m.origins.set(prefix, at);
  m.copy(entry, at, KEYS[kind.type] ?? {}, out, prefix, ['name', 'type']);
  if (kind.runtime !== undefined) {
    if (out['runtime'] !== undefined && out['runtime'] !== kind.runtime) m.fail([...at, 'runtime'], `contradicts type ${seedType}`);
    out['runtime'] = kind.runtime;
  }
  return [name, out];
}

function mapDefaults(m: Mapper, raw: unknown, toml: Record<string, Record<string, unknown>>): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  if (raw === undefined || raw === null) return paths;
  if (!isObject(raw)) m.fail(['defaults'], 'must be a mapping');
  for (const [key, value] of Object.entries(raw)) {
    const at: YamlPath = ['defaults', key];
    const target = Object.hasOwn(DEFAULTS, key) ? DEFAULTS[key] : undefined;
    if (value === null) m.warn(at, 'empty, left out');
    else if (AGENT_PATHS.includes(key)) paths[key] = value;
    else if (target === undefined) m.warn(at);
    else {
      const [section, name] = target as [string, string];
      const table = (toml[section] ??= {});
      if (Object.hasOwn(table, name)) m.warn(at, `duplicates ${section}.${name}, left out`);
      else {
        table[name] = value;
        m.origins.set(`${section}.${name}`, at);
      }
    }
  }
  return paths;
}

/**
 * Maps a parsed seed config to config.toml. `file` names the YAML in errors; `lineAt(path)` is
 * the line of the value at a YAML path (undefined when unknown).
 */
export function importSeedConfig(doc: unknown, file: string, lineAt: (path: YamlPath) => number | undefined = () => undefined): ImportResult {
  // Typed explicitly: only then does a call to its `never` fail() narrow.
  const m: Mapper = new Mapper(file, lineAt);
  if (!isObject(doc)) m.fail([], 'must be a YAML mapping with executors: and defaults:');
  const toml: Record<string, Record<string, unknown>> = {};
  for (const key of Object.keys(doc)) if (key !== 'executors' && key !== 'defaults') m.warn([key]);
  const agentPaths = mapDefaults(m, doc['defaults'], toml);
  const list = doc['executors'] ?? [];
  if (!Array.isArray(list)) m.fail(['executors'], 'must be a list of executors');
  const executors: Record<string, Record<string, unknown>> = {};
  const names = new Set<string>();
  list.forEach((entry, i) => {
    const [name, def] = mapExecutor(m, entry, i, names);
    executors[name] = def;
  });
  // defaults.<agent>_path: on every executor that has none, the built-in local one included.
  if (Object.keys(agentPaths).length > 0) executors['local'] ??= {};
  for (const [key, value] of Object.entries(agentPaths)) {
    for (const [name, def] of Object.entries(executors)) {
      if (def[key] !== undefined) continue;
      def[key] = value;
      m.origins.set(`executors.${name}.${key}`, ['defaults', key]);
    }
  }
  if (Object.keys(executors).length > 0) toml['executors'] = executors;
  check(m, toml, file);
  const header = `# Imported from ${JSON.stringify(file)} by \`jobctl config import\`.\n\n`;
  return { toml: header + stringify(toml), executors: [...names], warnings: m.warnings };
}

/** jobctl's own validation, its errors pointed back at the YAML line the value came from. */
function check(m: Mapper, toml: Record<string, unknown>, file: string): void {
  try {
    validateConfig(toml, file);
  } catch (err) {
    if (!(err instanceof JobError) || err.code !== 'config_error') throw err;
    const key = typeof err.details?.['key'] === 'string' ? err.details['key'] : '';
    let origin: YamlPath | undefined;
    for (let k = key; k !== '' && origin === undefined; k = k.includes('.') ? k.slice(0, k.lastIndexOf('.')) : '') origin = m.origins.get(k);
    const prefix = `${file}: ${key ? `${key}: ` : ''}`;
    const reason = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
    m.fail(origin ?? [], `${key ? `${key} ` : ''}${reason}`);
  }
}
