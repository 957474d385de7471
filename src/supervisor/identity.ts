// This process as a job's supervisor: what it records when it takes a job (transitions.adopt).
import type { SupervisorIdentity } from '../job/transitions.js';
import { bootId, processStartTime } from '../util/proc.js';

export function selfIdentity(): SupervisorIdentity {
  return { pid: process.pid, startTime: processStartTime(process.pid), bootId: bootId() };
}
