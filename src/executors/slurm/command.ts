// Running one Slurm client command (sbatch, squeue, sacct, scontrol, scancel): bounded by a
// timeout, with an environment built by the caller (never the supervisor's whole one), stdin
// closed. A command that cannot run or times out is a TargetError; one that ran and failed is
// an answer the caller reads (an unknown job id is information, not a fault).
import { execa } from 'execa';
import { TargetError } from '../port.js';
import { isTransientError } from './parse.js';

export const STEP_TIMEOUT_MS = 30_000;

export interface SlurmAnswer {
  ok: boolean;
  stdout: string;
  stderr: string;
  /** True when the command was killed at its timeout (an sbatch may have submitted meanwhile). */
  timedOut: boolean;
}

/** The first lines of a command's complaint, for error messages ("sbatch: error: " dropped). */
export const complaint = (stderr: string, fallback: string): string =>
  stderr
    .split('\n')
    .map((l) => l.trim().replace(/^s\w+: (?:error: |fatal: )?/, ''))
    .filter(Boolean)
    .slice(0, 3)
    .join('; ')
    .slice(0, 400) || fallback;

export async function slurmCommand(file: string, args: string[], env: Record<string, string>, cwd?: string, timeoutMs = STEP_TIMEOUT_MS): Promise<SlurmAnswer> {
  const r = await execa(file, args, {
    env,
    extendEnv: false,
    ...(cwd !== undefined ? { cwd } : {}),
    stdin: 'ignore',
    reject: false,
    timeout: timeoutMs,
    forceKillAfterDelay: 2000,
  });
  if (r.timedOut) return { ok: false, stdout: r.stdout, stderr: `${file} timed out after ${timeoutMs / 1000}s`, timedOut: true };
  if (r.exitCode === undefined) {
    // It never ran: not installed, or not on PATH.
    const missing = r.code === 'ENOENT';
    throw new TargetError(missing ? `${file} not found on PATH (Slurm client commands are needed)` : `${file}: ${r.shortMessage}`, !missing);
  }
  return { ok: r.exitCode === 0, stdout: r.stdout, stderr: r.stderr, timedOut: false };
}

/** The controller (or the command) did not answer: asking again may work. */
export const isTransient = (answer: SlurmAnswer): boolean => answer.timedOut || isTransientError(answer.stderr);

/**
 * The TargetError for a failed answer: transient when the controller was out of reach (or the
 * command timed out), otherwise as `transientByDefault` says (sbatch's refusals are final; a
 * query that fails for an unknown reason is retried rather than ending the job).
 */
export function commandError(what: string, answer: SlurmAnswer, transientByDefault: boolean): TargetError {
  const transient = isTransient(answer) || transientByDefault;
  return new TargetError(`${what}: ${complaint(answer.stderr, 'failed without a message')}`, transient);
}
