// The keys of an [executors.NAME] table with type = "cloud": the provider and its keys, how
// instances are shared and kept (idle_timeout, max_instances, per_job), and every ssh key but
// `host` (each instance is the host). `max_concurrent` is how many jobs one instance runs at
// once (default 1); the executor's limit becomes max_instances × that, so jobs beyond it wait
// parked like any executor's.
import { COMMON_KEYS, LABEL, type Reader } from '../config-reader.js';
import { readConnectionKeys, SSH_CONNECTION_KEYS } from '../ssh/config.js';
import { parseDuration } from '../../util/duration.js';
import type { CloudExecutor, HetznerSettings } from '../types.js';

export const HETZNER_API_URL = 'https://api.hetzner.cloud/v1';
/** An idle instance is kept this long unless idle_timeout says otherwise. */
export const DEFAULT_IDLE_TIMEOUT_MS = 5 * 60_000;
/** How long an instance may take to answer SSH unless boot_timeout says otherwise. */
export const DEFAULT_BOOT_TIMEOUT_MS = 5 * 60_000;

const COMMAND_KEYS = ['provision', 'destroy'];
const HETZNER_KEYS = ['token_env', 'server_type', 'image', 'location', 'ssh_keys', 'server_labels', 'api_url'];
const LOOPBACK_HTTP = /^http:\/\/(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\])(:\d+)?(\/[^\s]*)?$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HETZNER_LABEL = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;

function duration(r: Reader, key: string): number | undefined {
  const v = r.value(key);
  if (v === undefined) return undefined;
  if (typeof v !== 'string' && typeof v !== 'number') r.fail(key, 'must be a duration such as "10m"');
  try {
    return parseDuration(String(v), key);
  } catch (err) {
    return r.fail(key, (err as Error).message);
  }
}

function hetznerSettings(r: Reader): HetznerSettings {
  const tokenEnv = r.string('token_env', true);
  if (!ENV_NAME.test(tokenEnv)) r.fail('token_env', 'must be the name of an environment variable (the token itself never goes in the config)');
  const settings: HetznerSettings = {
    token_env: tokenEnv,
    server_type: r.string('server_type', true),
    image: r.string('image', true),
    ssh_keys: r.strings('ssh_keys'),
    server_labels: {},
    api_url: (r.string('api_url') ?? HETZNER_API_URL).replace(/\/+$/, ''),
  };
  if (!/^https:\/\/[^\s]+$/.test(settings.api_url) && !LOOPBACK_HTTP.test(settings.api_url)) r.fail('api_url', 'must be an https URL (plain http only on loopback)');
  const location = r.string('location');
  if (location !== undefined) settings.location = location;
  const labels = r.value('server_labels');
  if (labels !== undefined) {
    if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) r.fail('server_labels', 'must be a table of key = "value"');
    for (const [k, v] of Object.entries(labels as Record<string, unknown>)) {
      if (!HETZNER_LABEL.test(k) || k.startsWith('jobctl')) r.fail('server_labels', `${JSON.stringify(k)} is not a label key of your own (letters, digits, ".", "_", "-"; "jobctl" is reserved)`);
      if (typeof v !== 'string' || (v !== '' && !HETZNER_LABEL.test(v))) r.fail('server_labels', `${k} must be a label value (letters, digits, ".", "_", "-")`);
      settings.server_labels[k] = v;
    }
  }
  return settings;
}

export function cloudExecutor(r: Reader): CloudExecutor {
  const provider = r.string('provider', true);
  if (provider !== 'command' && provider !== 'hetzner') r.fail('provider', 'must be "command" or "hetzner"');
  const own = provider === 'command' ? COMMAND_KEYS : HETZNER_KEYS;
  r.only(['type', 'provider', ...own, 'idle_timeout', 'boot_timeout', 'max_instances', 'per_job', ...SSH_CONNECTION_KEYS, 'labels', 'env', ...COMMON_KEYS]);
  const perJob = r.value('per_job');
  if (perJob !== undefined && typeof perJob !== 'boolean') r.fail('per_job', 'must be true or false');
  const def: CloudExecutor = {
    type: 'cloud',
    provider,
    labels: r.strings('labels', LABEL),
    env: r.env(),
    idle_timeout_ms: duration(r, 'idle_timeout') ?? DEFAULT_IDLE_TIMEOUT_MS,
    boot_timeout_ms: duration(r, 'boot_timeout') ?? DEFAULT_BOOT_TIMEOUT_MS,
    instance_jobs: 1,
    per_job: perJob === true,
  };
  if (provider === 'command') {
    def.provision = r.string('provision', true);
    def.destroy = r.string('destroy', true);
  } else {
    def.hetzner = hetznerSettings(r);
  }
  readConnectionKeys(r, def);
  r.limit(def);
  // max_concurrent read by limit() is per instance; the executor's own limit is derived.
  def.instance_jobs = def.per_job ? 1 : (def.max_concurrent ?? 1);
  if (def.per_job && def.max_concurrent !== undefined && def.max_concurrent > 1) r.fail('max_concurrent', 'per_job = true runs one job per instance: leave max_concurrent out');
  const maxInstances = r.integer('max_instances', 1, 10_000);
  delete def.max_concurrent;
  if (maxInstances !== undefined) {
    def.max_instances = maxInstances;
    def.max_concurrent = maxInstances * def.instance_jobs;
  }
  return def;
}
