// `executors --probe`: a real round trip to each executor — an ssh command on the host, the
// container runtime's version and the image, Slurm's view of the partition. Each probe is
// bounded by a timeout and runs in parallel with the others.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { ContainerExecutor, ExecutorDef, SlurmExecutor, SshExecutor } from './types.js';
import { sshCommand } from '../supervisor/targets/ssh-connection.js';

const PROBE_TIMEOUT_MS = 15_000;

export interface ProbeResult {
  available: boolean;
  reason?: string;
  /** What the executor said about itself (runtime version, partition state). */
  detail?: string;
}

const firstLine = (text: string): string => text.trim().split('\n')[0]?.slice(0, 300) ?? '';

async function run(file: string, args: string[]): Promise<{ ok: boolean; out: string; err: string }> {
  const r = await execa(file, args, { timeout: PROBE_TIMEOUT_MS, reject: false, stdin: 'ignore' });
  const err = r.timedOut ? `timed out after ${PROBE_TIMEOUT_MS}ms` : r.stderr || (r.failed && r.exitCode === undefined ? (r.shortMessage ?? '') : '');
  return { ok: r.exitCode === 0 && !r.timedOut, out: r.stdout, err: firstLine(err) || `exit code ${r.exitCode}` };
}

async function probeSsh(def: SshExecutor): Promise<ProbeResult> {
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

async function probeContainer(def: ContainerExecutor): Promise<ProbeResult> {
  const version = await run(def.runtime, ['version', '--format', def.runtime === 'docker' ? '{{.Server.Version}}' : '{{.Version}}']).catch((err: Error) => ({ ok: false, out: '', err: err.message }));
  if (!version.ok) return { available: false, reason: `${def.runtime}: ${version.err}` };
  const image = await run(def.runtime, ['image', 'inspect', '--format', '{{.Id}}', def.image]);
  if (!image.ok) return { available: false, reason: `image ${def.image} is not present: ${image.err}`, detail: `${def.runtime} ${firstLine(version.out)}` };
  return { available: true, detail: `${def.runtime} ${firstLine(version.out)}` };
}

async function probeSlurm(def: SlurmExecutor): Promise<ProbeResult> {
  const args = ['-h', '-o', '%P %a %D %T'];
  if (def.partition !== undefined) args.push('-p', def.partition);
  const info = await run('sinfo', args).catch((err: Error) => ({ ok: false, out: '', err: err.message }));
  if (!info.ok) return { available: false, reason: `sinfo: ${info.err}` };
  const rows = info.out.trim().split('\n').filter(Boolean);
  if (rows.length === 0) return { available: false, reason: def.partition ? `no partition ${def.partition}` : 'no partitions' };
  if (!rows.some((r) => r.split(/\s+/)[1] === 'up')) return { available: false, reason: 'the partition is not up', detail: rows.join('; ') };
  return { available: true, detail: rows.join('; ') };
}

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
  }
}
