// config.toml: read lazily, validated key by key. A broken file is a config_error naming the
// file, line and key — never a crash. A missing file at the default location means defaults;
// a missing file named explicitly (--config / JOBCTL_CONFIG) is an error.
// node:fs only for config.toml, outside the job root.
import { readFileSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { parse, TomlError } from 'smol-toml';
import { configError, lineOf } from './config-error.js';
import { validateExecutors } from './executors/config.js';
import { LOCAL_EXECUTOR, type ExecutorDef } from './executors/types.js';
import { parseDuration } from './util/duration.js';
import { parseSize } from './util/size.js';
import { parseListen } from './util/listen-address.js';
import { expandHome } from './util/fs-checks.js';
import { resolveConfigPath, type ConfigLocation } from './store/root.js';

export interface Config {
  shell: { unix: string[] };
  notify: { command_timeout_ms: number; webhook_url?: string; webhook_secret?: string; webhook_timeout_ms: number; webhook_attempts: number };
  gc: { older_than_ms?: number };
  /** Retention of the event log, applied by `gc`. */
  events: { max_age_ms: number; max_bytes: number };
  defaults: { max_log_bytes?: number; executor: string; max_turns?: number };
  executors: Record<string, ExecutorDef>;
  queues: Record<string, QueueDef>;
  serve: ServeConfig;
}

/** [serve]: where `jobctl serve` listens and the file holding its token (`~/` expanded). */
export interface ServeConfig {
  listen?: string;
  token_file?: string;
}

export interface QueueDef {
  max_concurrent: number;
}

export interface LoadedConfig {
  config: Config;
  location: ConfigLocation;
  exists: boolean;
}

export const DEFAULT_SHELL = ['sh', '-lc'];
export const DEFAULT_NOTIFY_TIMEOUT_MS = 30_000;
export const DEFAULT_GC_OLDER_THAN_MS = 30 * 86_400_000;
export const DEFAULT_MAX_LOG_BYTES = 2 ** 30;
export const DEFAULT_EVENTS_MAX_AGE_MS = 30 * 86_400_000;
export const DEFAULT_EVENTS_MAX_BYTES = 512 * 2 ** 20;
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;
export const DEFAULT_WEBHOOK_ATTEMPTS = 3;

const defaults = (): Config => ({
  shell: { unix: [...DEFAULT_SHELL] },
  notify: { command_timeout_ms: DEFAULT_NOTIFY_TIMEOUT_MS, webhook_timeout_ms: DEFAULT_WEBHOOK_TIMEOUT_MS, webhook_attempts: DEFAULT_WEBHOOK_ATTEMPTS },
  gc: {},
  events: { max_age_ms: DEFAULT_EVENTS_MAX_AGE_MS, max_bytes: DEFAULT_EVENTS_MAX_BYTES },
  defaults: { executor: 'local' },
  executors: { local: LOCAL_EXECUTOR },
  queues: {},
  serve: {},
});


function table(value: unknown, path: string, key: string): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw configError(path, key, 'must be a table');
  return value as Record<string, unknown>;
}

function durationKey(value: unknown, path: string, key: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' && typeof value !== 'number') throw configError(path, key, 'must be a duration string such as "30s"');
  try {
    return parseDuration(typeof value === 'number' ? String(value) : value, key);
  } catch (err) {
    throw configError(path, key, (err as Error).message.replace(`${key}: `, ''));
  }
}

function sizeKey(value: unknown, path: string, key: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' && typeof value !== 'string') throw configError(path, key, 'must be a size such as "1G"');
  try {
    return parseSize(String(value), key);
  } catch (err) {
    throw configError(path, key, (err as Error).message.replace(`${key}: `, ''));
  }
}

export function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

export function validateConfig(raw: Record<string, unknown>, path: string, text = ''): Config {
  const cfg = defaults();
  const shell = table(raw['shell'], path, 'shell');
  if (shell?.['unix'] !== undefined) {
    const unix = shell['unix'];
    if (!Array.isArray(unix) || unix.length === 0 || !unix.every((x) => typeof x === 'string' && x !== '')) {
      throw configError(path, 'shell.unix', 'must be a non-empty array of strings, e.g. ["sh", "-lc"]');
    }
    cfg.shell.unix = unix as string[];
  }
  const notify = table(raw['notify'], path, 'notify');
  const timeout = durationKey(notify?.['command_timeout'], path, 'notify.command_timeout');
  if (timeout !== undefined) cfg.notify.command_timeout_ms = timeout;
  const webhookUrl = notify?.['webhook_url'];
  if (webhookUrl !== undefined) {
    if (typeof webhookUrl !== 'string' || !isHttpUrl(webhookUrl)) throw configError(path, 'notify.webhook_url', 'must be an http:// or https:// URL');
    cfg.notify.webhook_url = webhookUrl;
  }
  const webhookSecret = notify?.['webhook_secret'];
  if (webhookSecret !== undefined) {
    if (typeof webhookSecret !== 'string' || webhookSecret === '') throw configError(path, 'notify.webhook_secret', 'must be a non-empty string');
    cfg.notify.webhook_secret = webhookSecret;
  }
  const webhookTimeout = durationKey(notify?.['webhook_timeout'], path, 'notify.webhook_timeout');
  if (webhookTimeout !== undefined) cfg.notify.webhook_timeout_ms = webhookTimeout;
  const attempts = notify?.['webhook_attempts'];
  if (attempts !== undefined) {
    if (typeof attempts !== 'number' || !Number.isInteger(attempts) || attempts < 1 || attempts > 10) {
      throw configError(path, 'notify.webhook_attempts', 'must be an integer from 1 to 10');
    }
    cfg.notify.webhook_attempts = attempts;
  }
  const gc = table(raw['gc'], path, 'gc');
  const olderThan = durationKey(gc?.['older_than'], path, 'gc.older_than');
  if (olderThan !== undefined) cfg.gc.older_than_ms = olderThan;
  const events = table(raw['events'], path, 'events');
  for (const k of Object.keys(events ?? {})) if (k !== 'max_age' && k !== 'max_bytes') throw configError(path, `events.${k}`, 'unknown key (known: max_age, max_bytes)', lineOf(text, 'events', k));
  cfg.events.max_age_ms = durationKey(events?.['max_age'], path, 'events.max_age') ?? cfg.events.max_age_ms;
  cfg.events.max_bytes = sizeKey(events?.['max_bytes'], path, 'events.max_bytes') ?? cfg.events.max_bytes;
  const defaultsTable = table(raw['defaults'], path, 'defaults');
  const maxLog = sizeKey(defaultsTable?.['max_log_bytes'], path, 'defaults.max_log_bytes');
  if (maxLog !== undefined) cfg.defaults.max_log_bytes = maxLog;
  const maxTurns = defaultsTable?.['max_turns'];
  if (maxTurns !== undefined) {
    if (typeof maxTurns !== 'number' || !Number.isInteger(maxTurns) || maxTurns < 1 || maxTurns > 100_000) {
      throw configError(path, 'defaults.max_turns', 'must be an integer from 1 to 100000', lineOf(text, 'defaults', 'max_turns'));
    }
    cfg.defaults.max_turns = maxTurns;
  }
  cfg.executors = validateExecutors(raw['executors'], path, text);
  cfg.queues = validateQueues(raw['queues'], path, text);
  const executor = defaultsTable?.['executor'];
  if (executor !== undefined) {
    if (typeof executor !== 'string' || !Object.hasOwn(cfg.executors, executor)) {
      throw configError(path, 'defaults.executor', `names no executor (known: ${Object.keys(cfg.executors).join(', ')})`, lineOf(text, 'defaults', 'executor'));
    }
    cfg.defaults.executor = executor;
  }
  cfg.serve = validateServe(table(raw['serve'], path, 'serve'), path, text);
  return cfg;
}

/** [serve] listen = "HOST:PORT", token_file = "PATH" */
function validateServe(raw: Record<string, unknown> | undefined, path: string, text: string): ServeConfig {
  const out: ServeConfig = {};
  if (raw === undefined) return out;
  for (const k of Object.keys(raw)) if (k !== 'listen' && k !== 'token_file') throw configError(path, `serve.${k}`, 'unknown key (known: listen, token_file)', lineOf(text, 'serve', k));
  const listen = raw['listen'];
  if (listen !== undefined) {
    if (typeof listen !== 'string') throw configError(path, 'serve.listen', 'must be a string such as "127.0.0.1:8787"', lineOf(text, 'serve', 'listen'));
    try {
      parseListen(listen, 'serve.listen');
    } catch (err) {
      throw configError(path, 'serve.listen', (err as Error).message.replace(/^serve\.listen /, ''), lineOf(text, 'serve', 'listen'));
    }
    out.listen = listen;
  }
  const tokenFile = raw['token_file'];
  if (tokenFile !== undefined) {
    if (typeof tokenFile !== 'string' || tokenFile.trim() === '') throw configError(path, 'serve.token_file', 'must be a file path', lineOf(text, 'serve', 'token_file'));
    out.token_file = resolvePath(dirname(path), expandHome(tokenFile));
  }
  return out;
}

const QUEUE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** [queues.NAME] max_concurrent = N */
function validateQueues(raw: unknown, path: string, text: string): Record<string, QueueDef> {
  const out: Record<string, QueueDef> = {};
  if (raw === undefined) return out;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw configError(path, 'queues', 'must be a table of [queues.NAME] tables');
  for (const [name, body] of Object.entries(raw as Record<string, unknown>)) {
    const key = `queues.${name}`;
    if (!QUEUE_NAME.test(name)) throw configError(path, key, 'names use letters, digits, ".", "_" and "-" (at most 64)', lineOf(text, key));
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw configError(path, key, 'must be a table', lineOf(text, key));
    for (const k of Object.keys(body)) if (k !== 'max_concurrent') throw configError(path, `${key}.${k}`, 'unknown key (known: max_concurrent)', lineOf(text, key, k));
    const max = (body as Record<string, unknown>)['max_concurrent'];
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 10_000) {
      throw configError(path, `${key}.max_concurrent`, 'is required: an integer from 1 to 10000', lineOf(text, key, 'max_concurrent'));
    }
    out[name] = { max_concurrent: max };
  }
  return out;
}

/** The config for a supervisor: a broken file is logged and means defaults, never a lost job. */
export function loadConfigQuietly(flag: string | undefined, warn: (message: string) => void): Config | undefined {
  try {
    return loadConfig(flag).config;
  } catch (err) {
    warn(`config ignored (defaults used): ${(err as Error).message}`);
    return undefined;
  }
}

/**
 * The last file parsed, by path and text: a process that reads its config for every job (a
 * supervisor taking jobs over) parses it again only when the file changed. Configs are never
 * modified by their readers.
 */
let lastParsed: { path: string; text: string; loaded: LoadedConfig } | undefined;

export function loadConfig(flag: string | undefined): LoadedConfig {
  const location = resolveConfigPath(flag);
  let text: string;
  try {
    text = readFileSync(location.path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && location.source === 'default') return { config: defaults(), location, exists: false };
    throw configError(location.path, '', code === 'ENOENT' ? 'file not found' : (err as Error).message);
  }
  if (lastParsed !== undefined && lastParsed.path === location.path && lastParsed.text === text) return { ...lastParsed.loaded, location };
  let raw: Record<string, unknown>;
  try {
    raw = parse(text);
  } catch (err) {
    const line = err instanceof TomlError ? err.line : undefined;
    const first = (err as Error).message.split('\n')[0] ?? 'invalid TOML';
    throw configError(location.path, '', first, line);
  }
  const loaded: LoadedConfig = { config: validateConfig(raw, location.path, text), location, exists: true };
  lastParsed = { path: location.path, text, loaded };
  return loaded;
}
