// The target object for a job's recorded executor definition.
import type { RemoteExecutor } from '../../executors/types.js';
import type { JobMeta } from '../../store/types.js';
import type { RemoteTarget } from './remote-target.js';
import { SshTarget } from './ssh.js';
import { ContainerTarget } from './container.js';
import { SlurmTarget } from './slurm.js';

export function createTarget(def: RemoteExecutor, dir: string, meta: JobMeta): RemoteTarget {
  switch (def.type) {
    case 'ssh':
      return new SshTarget(def, dir, meta);
    case 'container':
      return new ContainerTarget(def, dir, meta);
    case 'slurm':
      return new SlurmTarget(def, dir, meta);
  }
}
