// `executors --probe`: a real round trip to each executor — an ssh command on the host, the
// container runtime's version and the image, Slurm's view of the partition. Each probe is
// bounded by a timeout and runs in parallel with the others; each type's is in <type>/probe.ts.
import type { ExecutorDef } from './types.js';
import type { ProbeResult } from './probe-run.js';
import { probeSsh } from './ssh/probe.js';
import { probeContainer } from './container/probe.js';
import { probeSlurm } from './slurm/probe.js';
import { probeCloud } from './cloud/probe.js';

export type { ProbeResult } from './probe-run.js';

export function probeExecutor(def: ExecutorDef): Promise<ProbeResult> {
  switch (def.type) {
    case 'local':
      return Promise.resolve({ available: true });
    case 'ssh':
      return probeSsh(def);
    case 'container':
      return probeContainer(def);
    case 'slurm':
      return probeSlurm(def);
    case 'runner':
      // A runner calls in; nothing can be called out to. `executors` shows its last contact.
      return Promise.resolve({ available: true, detail: 'a runner pulls its jobs: see last_contact' });
    case 'cloud':
      return probeCloud(def);
  }
}
