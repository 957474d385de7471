// The environment a job starts with. A local job inherits the supervisor's environment; a remote
// job gets only what was asked for (executor env, --env, --env-file, masked values): the local
// PATH, HOME and friends mean nothing on another machine.
// The --env-file is read with a non-blocking open and must be a regular file: a FIFO or device
// put in its place fails the job with an error naming it instead of stalling the supervisor.
// Callers build the environment before they take the job lock (a slow filesystem never holds it).
import { addSecrets } from '../store/jobs.js';
import type { JobMeta, Secrets } from '../store/types.js';
import { registerSecret } from '../output.js';
import { parseEnvFile } from '../util/env-file.js';
import { readRegularFile } from '../util/fs-checks.js';

export function buildJobEnv(dir: string, meta: JobMeta, secrets: Secrets, base: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
  if (meta.env_file !== undefined) {
    const fromFile = parseEnvFile(readRegularFile(meta.env_file), meta.env_file);
    // Masked values from the env file become known secrets too, so that they are redacted.
    const masked = Object.fromEntries(Object.entries(fromFile).filter(([k]) => meta.mask.includes(k)));
    Object.values(masked).forEach(registerSecret);
    addSecrets(dir, masked);
    Object.assign(env, fromFile);
  }
  Object.assign(env, meta.env, secrets.env);
  // Set inside a Claude Code session; an agent CLI started with it takes itself for a nested
  // session (and Claude Code refuses to start).
  if (meta.agent !== undefined) delete env['CLAUDECODE'];
  return env;
}
