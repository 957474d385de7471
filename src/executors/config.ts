// Validation of the [executors.NAME] tables of config.toml, key by key: every problem is a
// config_error naming the file, the line and the key. The shared keys are read here
// (config-reader.ts), each type's own keys in <type>/config.ts.
import { configError, lineOf } from '../config-error.js';
import { LOCAL_EXECUTOR, type ExecutorDef } from './types.js';
import { Reader } from './config-reader.js';
import { localExecutor } from './local/config.js';
import { sshExecutor } from './ssh/config.js';
import { containerExecutor } from './container/config.js';
import { slurmExecutor } from './slurm/config.js';
import { runnerExecutor } from './runner/config.js';
import { cloudExecutor } from './cloud/config.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Validates the `executors` table; `local` always exists and stays of type local. */
export function validateExecutors(raw: unknown, path: string, text: string): Record<string, ExecutorDef> {
  const out: Record<string, ExecutorDef> = { local: LOCAL_EXECUTOR };
  if (raw === undefined) return out;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw configError(path, 'executors', 'must be a table of [executors.NAME] tables');
  for (const [name, body] of Object.entries(raw as Record<string, unknown>)) {
    if (!NAME.test(name)) throw configError(path, `executors.${name}`, 'names use letters, digits, ".", "_" and "-" (at most 64)', lineOf(text, `executors.${name}`));
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw configError(path, `executors.${name}`, 'must be a table');
    const r = new Reader(path, text, name, body as Record<string, unknown>);
    // The built-in local executor takes the keys of type "local" and no other type.
    const type = name === 'local' ? (r.string('type') ?? 'local') : r.string('type', true);
    if (name === 'local' && type !== 'local') r.fail('type', '"local" is built in: its type can only be "local" (name another table for another type)');
    if (type === 'local') out[name] = localExecutor(r);
    else if (type === 'ssh') out[name] = sshExecutor(r);
    else if (type === 'container') out[name] = containerExecutor(r);
    else if (type === 'slurm') out[name] = slurmExecutor(r);
    else if (type === 'runner') out[name] = runnerExecutor(r);
    else if (type === 'cloud') out[name] = cloudExecutor(r);
    else r.fail('type', 'must be "local", "ssh", "container", "slurm", "runner" or "cloud"');
  }
  return out;
}
