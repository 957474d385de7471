// The keys of an [executors.NAME] table with type = "slurm".
import { COMMON_KEYS, LABEL, type Reader } from '../config-reader.js';
import type { SlurmExecutor } from '../types.js';

export function slurmExecutor(r: Reader): SlurmExecutor {
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
