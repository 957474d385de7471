// `executors --probe` for a Slurm executor: Slurm's view of the partition.
import type { SlurmExecutor } from '../types.js';
import { run, type ProbeResult } from '../probe-run.js';

export async function probeSlurm(def: SlurmExecutor): Promise<ProbeResult> {
  const args = ['-h', '-o', '%P %a %D %T'];
  if (def.partition !== undefined) args.push('-p', def.partition);
  const info = await run('sinfo', args).catch((err: Error) => ({ ok: false, out: '', err: err.message }));
  if (!info.ok) return { available: false, reason: `sinfo: ${info.err}` };
  const rows = info.out.trim().split('\n').filter(Boolean);
  if (rows.length === 0) return { available: false, reason: def.partition ? `no partition ${def.partition}` : 'no partitions' };
  if (!rows.some((r) => r.split(/\s+/)[1] === 'up')) return { available: false, reason: 'the partition is not up', detail: rows.join('; ') };
  return { available: true, detail: rows.join('; ') };
}
