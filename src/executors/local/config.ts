// The keys of an [executors.NAME] table with type = "local" (and of the built-in
// [executors.local], which needs no type): the job runs on this machine like any local job.
import { COMMON_KEYS, LABEL, type Reader } from '../config-reader.js';
import type { LocalExecutor } from '../types.js';

export const LOCAL_KEYS = ['type', 'labels', 'workdir', 'env', ...COMMON_KEYS];

export function localExecutor(r: Reader): LocalExecutor {
  r.only(LOCAL_KEYS);
  const def: LocalExecutor = { type: 'local', labels: r.strings('labels', LABEL), env: r.env() };
  const workdir = r.string('workdir');
  // Checked to exist when a job is defined, not here: a config stays loadable on any machine.
  if (workdir !== undefined && !workdir.startsWith('/') && workdir !== '~' && !workdir.startsWith('~/')) r.fail('workdir', 'must be absolute or start with ~/');
  if (workdir !== undefined) def.workdir = workdir;
  r.limit(def);
  return def;
}
