// `executors --probe` for an SSH executor: an ssh command on the host (and whether it has setsid).
// node:fs only for a private scratch directory in the system's temporary directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SshExecutor } from '../types.js';
import { firstLine, type ProbeResult } from '../probe-run.js';
import { sshCommand } from './connection.js';

export async function probeSsh(def: SshExecutor): Promise<ProbeResult> {
  const scratch = mkdtempSync(join(tmpdir(), 'jobctl-probe-'));
  try {
    const out = (await sshCommand(def, scratch)('command -v setsid >/dev/null || echo no-setsid; echo jobctl-ok', { timeoutMs: ((def.connect_timeout ?? 10) + 5) * 1000 })).toString('utf8');
    if (out.includes('no-setsid')) return { available: false, reason: 'the host has no setsid (util-linux)' };
    return out.includes('jobctl-ok') ? { available: true } : { available: false, reason: `unexpected answer: ${firstLine(out)}` };
  } catch (err) {
    return { available: false, reason: (err as Error).message };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
