// What every kind's probe (<type>/probe.ts) shares: the answer's shape and one bounded run of
// a command.
import { execa } from 'execa';

const PROBE_TIMEOUT_MS = 15_000;

export interface ProbeResult {
  available: boolean;
  reason?: string;
  /** What the executor said about itself (runtime version, partition state). */
  detail?: string;
}

export const firstLine = (text: string): string => text.trim().split('\n')[0]?.slice(0, 300) ?? '';

export async function run(file: string, args: string[]): Promise<{ ok: boolean; out: string; err: string }> {
  const r = await execa(file, args, { timeout: PROBE_TIMEOUT_MS, reject: false, stdin: 'ignore' });
  const err = r.timedOut ? `timed out after ${PROBE_TIMEOUT_MS}ms` : r.stderr || (r.failed && r.exitCode === undefined ? (r.shortMessage ?? '') : '');
  return { ok: r.exitCode === 0 && !r.timedOut, out: r.stdout, err: firstLine(err) || `exit code ${r.exitCode}` };
}
