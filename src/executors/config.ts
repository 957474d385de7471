// Validation of the [executors.NAME] tables of config.toml, key by key: every problem is a
// config_error naming the file, the line and the key. The shared keys are read here
// (config-reader.ts), each type's own keys in <type>/config.ts.
import { configError, lineOf } from '../config-error.js';
import { LOCAL_EXECUTOR, type ExecutorDef } from './types.js';
import { COMMON_KEYS, Reader } from './config-reader.js';
import { sshExecutor } from './ssh/config.js';
import { containerExecutor } from './container/config.js';
import { slurmExecutor } from './slurm/config.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

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
