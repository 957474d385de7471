// Reading one [executors.NAME] table of config.toml, key by key, for config.ts and each kind's
// config.ts: every problem is a config_error naming the file, the line and the key.
import { configError, lineOf } from '../config-error.js';
import { ENV_KEY } from '../util/env-file.js';
import { AGENT_NAMES } from '../agents/types.js';
import type { AgentPaths } from './types.js';

export const LABEL = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

export class Reader {
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
    for (const key of Object.keys(this.raw)) if (!allowed.includes(key)) this.fail(key, `unknown key for type "${typeof this.raw['type'] === 'string' ? this.raw['type'] : 'local'}" (known: ${allowed.join(', ')})`);
  }

  string(key: string, required: true): string;
  string(key: string, required?: false): string | undefined;
  string(key: string, required = false): string | undefined {
    const v = this.raw[key];
    if (v === undefined) return required ? this.fail(key, key === 'type' ? 'is required: "local", "ssh", "container", "slurm" or "cloud"' : 'is required') : undefined;
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

  /** The raw value of a key whose shape a type's config.ts checks itself. */
  value(key: string): unknown {
    return this.raw[key];
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

/** Keys every executor type takes. */
export const COMMON_KEYS = ['max_concurrent', ...AGENT_NAMES.map((a) => `${a}_path`)];
