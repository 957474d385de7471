// `executors --probe` for a cloud executor: the provider answers, without making anything —
// the commands exist (command), the token is set and accepted (hetzner: one list call).
import type { CloudExecutor } from '../types.js';
import type { ProbeResult } from '../probe-run.js';
import { HetznerError, listServers } from './provider-hetzner.js';

export async function probeCloud(def: CloudExecutor): Promise<ProbeResult> {
  if (def.provider === 'command') return { available: true, detail: 'provision and destroy are run when a job needs an instance' };
  try {
    const servers = await listServers(def, 'jobctl-instance');
    return { available: true, detail: `${servers} server(s) made by jobctl exist` };
  } catch (err) {
    return { available: false, reason: err instanceof HetznerError || err instanceof Error ? err.message : String(err) };
  }
}
