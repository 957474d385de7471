// The target object for a job's recorded executor definition.
import type { RemoteExecutor } from './types.js';
import type { JobMeta } from '../store/types.js';
import type { RemoteTarget } from './port.js';
import { SshTarget } from './ssh/target.js';
import { ContainerTarget } from './container/target.js';
import { SlurmTarget } from './slurm/target.js';
import { RunnerTarget } from './runner/target.js';
import { CloudTarget } from './cloud/target.js';

export function createTarget(def: RemoteExecutor, dir: string, meta: JobMeta): RemoteTarget {
  switch (def.type) {
    case 'ssh':
      return new SshTarget(def, dir, meta);
    case 'container':
      return new ContainerTarget(def, dir, meta);
    case 'slurm':
      return new SlurmTarget(def, dir, meta);
    case 'runner':
      return new RunnerTarget(def, dir, meta);
    case 'cloud':
      return new CloudTarget(def, dir, meta);
  }
}
