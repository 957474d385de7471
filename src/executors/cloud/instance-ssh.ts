// How an instance is reached: the ssh executor's definition with the instance as its host (the
// instance's own port, user and key when the provider gave them, else the config's), and a
// known_hosts of its own unless the config names one — a cloud reuses addresses, so a host key
// is trusted on first use for that instance only.
import type { CloudExecutor, SshExecutor } from '../types.js';
import { knownHostsPath, type InstanceRecord } from '../../store/cloud-instances.js';
import { sshCommand } from '../ssh/connection.js';
import { TargetError } from '../port.js';

export function sshDefFor(root: string, rec: InstanceRecord, def: CloudExecutor = rec.def): SshExecutor {
  const out: SshExecutor = { type: 'ssh', host: rec.host ?? '', labels: def.labels, env: def.env };
  const port = rec.port ?? def.port;
  if (port !== undefined) out.port = port;
  const user = rec.user ?? def.user;
  if (user !== undefined) out.user = user;
  const identity = rec.identity_file ?? def.identity_file;
  if (identity !== undefined) out.identity_file = identity;
  const own = knownHostsPath(root, rec.executor, rec.name);
  const knownHosts = def.known_hosts ?? (/\s/.test(own) ? undefined : own);
  if (knownHosts !== undefined) out.known_hosts = knownHosts;
  if (def.workdir !== undefined) out.workdir = def.workdir;
  if (def.connect_timeout !== undefined) out.connect_timeout = def.connect_timeout;
  if (def.agent_paths !== undefined) out.agent_paths = def.agent_paths;
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves once `ssh true` succeeds on the instance; throws at `deadlineMs` with the last error. */
export async function waitForSsh(root: string, rec: InstanceRecord, scratchDir: string, deadlineMs: number): Promise<void> {
  const ssh = sshCommand({ ...sshDefFor(root, rec), connect_timeout: 5 }, scratchDir);
  let last = '';
  for (;;) {
    const left = deadlineMs - Date.now();
    if (left <= 0) throw new TargetError(`instance ${rec.name} (${rec.host ?? '?'}) did not answer SSH within the boot timeout: ${last}`, true);
    try {
      await ssh('true', { timeoutMs: Math.min(15_000, Math.max(1000, left)) });
      return;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(Math.min(1000, Math.max(0, deadlineMs - Date.now())));
  }
}
