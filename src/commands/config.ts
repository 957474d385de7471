// `config path | show | init`: where config is read from, the effective config, a starter file.
// node:fs only for config.toml (`config init`), outside the job root.
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { JobError } from '../errors.js';
import { optBool } from '../command-support/args.js';
import { formatDuration } from '../util/duration.js';
import { makeDirs } from '../util/make-dirs.js';
import { writeFileAtomic } from '../store/atomic.js';
import { resolveConfigPath } from '../store/root.js';
import { DEFAULT_GC_OLDER_THAN_MS, DEFAULT_MAX_LOG_BYTES, type Config } from '../config.js';
import starter from '../../config.example.toml';
import { DEFAULT_LISTEN } from '../util/listen-address.js';
import type { CommandDef } from '../command-support/types.js';

function effective(config: Config): Record<string, unknown> {
  return {
    shell: { unix: config.shell.unix },
    notify: {
      command_timeout: formatDuration(config.notify.command_timeout_ms),
      ...(config.notify.webhook_url !== undefined ? { webhook_url: config.notify.webhook_url } : {}),
      ...(config.notify.webhook_secret !== undefined ? { webhook_secret: '***' } : {}), // never shown
      webhook_timeout: formatDuration(config.notify.webhook_timeout_ms),
      webhook_attempts: config.notify.webhook_attempts,
    },
    gc: { older_than: formatDuration(config.gc.older_than_ms ?? DEFAULT_GC_OLDER_THAN_MS) },
    events: { max_age: formatDuration(config.events.max_age_ms), max_bytes: config.events.max_bytes },
    serve: { listen: config.serve.listen ?? DEFAULT_LISTEN, ...(config.serve.token_file !== undefined ? { token_file: config.serve.token_file } : {}) },
    defaults: { max_log_bytes: config.defaults.max_log_bytes ?? DEFAULT_MAX_LOG_BYTES, executor: config.defaults.executor },
    // Executor env values may be credentials: shown by name only.
    executors: Object.fromEntries(Object.entries(config.executors).map(([name, def]) => [name, { ...def, env: Object.fromEntries(Object.keys(def.env).map((k) => [k, '***'])) }])),
  };
}

export const configPathCommand: CommandDef = {
  command: 'path',
  group: 'config',
  describe: 'where the config is read from',
  type: 'config_path',
  usesRoot: false,
  options: {},
  async handler(_args, ctx) {
    const location = resolveConfigPath(ctx.configFlag);
    return { path: location.path, source: location.source, exists: existsSync(location.path) };
  },
};

export const configShowCommand: CommandDef = {
  command: 'show',
  group: 'config',
  describe: 'the effective configuration as JSON',
  type: 'config_show',
  usesRoot: false,
  options: {},
  async handler(_args, ctx) {
    const loaded = ctx.config();
    return { path: loaded.location.path, source: loaded.location.source, exists: loaded.exists, config: effective(loaded.config) };
  },
};

export const configInitCommand: CommandDef = {
  command: 'init',
  group: 'config',
  describe: 'write a commented starter config.toml',
  type: 'config_init',
  usesRoot: false,
  options: { force: { type: 'boolean', describe: 'overwrite an existing file' } },
  async handler(args, ctx) {
    const { path } = resolveConfigPath(ctx.configFlag);
    const force = optBool(args, 'force');
    if (existsSync(path) && !force) {
      throw new JobError('invalid_state', `${path} already exists; use --force to overwrite it`, { path });
    }
    makeDirs(dirname(path), 0o700);
    writeFileAtomic(path, starter, 0o600);
    return { path, written: true };
  },
};
