// Reading what Slurm's commands print (pure). Every parser takes the text of one command's
// stdout and returns a value or undefined; none of them throws.
// Formats read:
//   sbatch --parsable                      "ID" or "ID;cluster"
//   squeue -h -t all -j ID -o '%T|%S'      "RUNNING|2026-11-21T10:27:33" (StartTime, local time, or N/A)
//   squeue -h -t all -n NAME -o %i         one job id per line
//   scontrol show job -o ID                one line of Key=Value words: JobState=FAILED ... ExitCode=3:0
//   sacct -X -n -P -o State,ExitCode       "CANCELLED by 0|0:15" (sacct -c: "TIMEOUT|0:0")
//   sstat -n -P -a -j ID -o NTasks,TRESUsageInTot   one step a line: "1|cpu=00:00:02,...,mem=3112K,..."
// ExitCode is "code:signal": the batch script's exit status, or the signal that ended it.
import { constants } from 'node:os';
import type { RemotePhase } from '../port.js';

export interface SlurmExit {
  code: number;
  signal: number;
}

export interface SlurmFinal {
  state: string;
  exit?: SlurmExit;
}

/** States of a job that has not started (or was put back in the queue). */
const PENDING = new Set(['PENDING', 'CONFIGURING', 'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED', 'RESV_DEL_HOLD', 'SPECIAL_EXIT']);
/** States of a job holding its allocation: its processes may still run or write output. */
const RUNNING = new Set(['RUNNING', 'COMPLETING', 'SUSPENDED', 'STOPPED', 'RESIZING', 'SIGNALING', 'STAGE_OUT']);
/** Slurm itself ended the job: no exit status of the job's own. */
const EXECUTOR_FAILED = new Set(['NODE_FAIL', 'BOOT_FAIL', 'DEADLINE', 'PREEMPTED', 'REVOKED']);

/** The state word: sacct prints "CANCELLED by 1000", squeue "CANCELLED". */
export const stateWord = (text: string): string => text.trim().split(/\s+/)[0]?.replace(/\+$/, '').toUpperCase() ?? '';

export const isPendingState = (state: string): boolean => PENDING.has(state);
export const isRunningState = (state: string): boolean => RUNNING.has(state);
/** True for every state but the waiting and running ones (unknown words included). */
export const isEndedState = (state: string): boolean => state !== '' && !PENDING.has(state) && !RUNNING.has(state);

/** The job id `sbatch --parsable` printed ("ID" or "ID;cluster"). */
export function parseSbatchId(stdout: string): string | undefined {
  const lines = stdout.trim().split('\n');
  const m = /^(\d+)(;\S+)?$/.exec(lines[lines.length - 1]?.trim() ?? '');
  return m?.[1];
}

/** Job ids, one a line (squeue -o %i, sacct -o JobID); the last one is the newest. */
export function parseJobIds(stdout: string): string[] {
  return stdout.split('\n').map((l) => l.trim().split('|')[0] ?? '').filter((id) => /^\d+$/.test(id));
}

export function parseExitCode(text: string | undefined): SlurmExit | undefined {
  const m = /^(\d+):(\d+)$/.exec((text ?? '').trim());
  return m ? { code: Number(m[1]), signal: Number(m[2]) } : undefined;
}

/**
 * squeue's `%T|%S` line: the state, and the start time once it runs. Slurm keeps whole seconds:
 * the start is taken no earlier than `earliest` (when the job was submitted), so that it never
 * precedes the job's own record of being queued.
 */
export function parseSqueue(stdout: string, earliest = 0, now = Date.now()): { state: string; startedAt?: string } | undefined {
  const line = stdout.trim().split('\n')[0]?.trim() ?? '';
  if (line === '') return undefined;
  const [stateText, start] = line.split('|');
  const state = stateWord(stateText ?? '');
  if (state === '') return undefined;
  // Slurm prints local time without a zone, which is how Date reads such a string.
  const at = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/.test(start ?? '') ? new Date(start as string).getTime() : NaN;
  if (!Number.isFinite(at) || at > now + 5000) return { state };
  return { state, startedAt: new Date(Math.min(now, Math.max(at, earliest))).toISOString() };
}

/** `scontrol show job -o ID`: JobState and ExitCode. */
export function parseScontrolJob(stdout: string): SlurmFinal | undefined {
  const state = /(?:^|\s)JobState=(\S+)/.exec(stdout)?.[1];
  if (state === undefined) return undefined;
  const exit = parseExitCode(/(?:^|\s)ExitCode=(\S+)/.exec(stdout)?.[1]);
  return { state: stateWord(state), ...(exit ? { exit } : {}) };
}

/** `sacct -X -n -P -o State,ExitCode` (or with -c): the last record of the job. */
export function parseSacct(stdout: string): SlurmFinal | undefined {
  const lines = stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  const last = lines[lines.length - 1];
  if (last === undefined) return undefined;
  const [stateText, exitText] = last.split('|');
  const state = stateWord(stateText ?? '');
  if (state === '') return undefined;
  const exit = parseExitCode(exitText);
  return { state, ...(exit ? { exit } : {}) };
}

export function signalName(n: number): string {
  const name = Object.entries(constants.signals).find(([, v]) => v === n)?.[0];
  return name ?? `SIG${n}`;
}

/**
 * How an ended Slurm job becomes an ended phase. `sent` is the last signal jobctl sent the job:
 * a CANCELLED job reports that one (Slurm keeps no usable signal for a cancel).
 */
export function endedPhase(jobId: string, final: SlurmFinal, sent: string | undefined): Extract<RemotePhase, { phase: 'ended' }> {
  const { state, exit } = final;
  const bySignal = exit !== undefined && exit.signal > 0 ? signalName(exit.signal) : undefined;
  switch (state) {
    case 'COMPLETED':
    case 'FAILED':
      if (bySignal !== undefined) return { phase: 'ended', signal: bySignal };
      if (exit !== undefined && (exit.code !== 0 || state === 'COMPLETED')) return { phase: 'ended', code: exit.code };
      if (exit === undefined && state === 'COMPLETED') return { phase: 'ended', code: 0 };
      return { phase: 'ended', error: { code: 'executor_failed', message: `Slurm reports job ${jobId} FAILED without an exit status of the job (launch failure?)` } };
    case 'CANCELLED':
      return { phase: 'ended', signal: sent ?? 'SIGTERM' };
    case 'TIMEOUT':
      return { phase: 'ended', timedOut: true, signal: bySignal ?? 'SIGTERM' };
    case 'OUT_OF_MEMORY':
      return { phase: 'ended', error: { code: 'oom_killed', message: `Slurm killed job ${jobId} for exceeding its memory limit (OUT_OF_MEMORY)` } };
    default:
      return {
        phase: 'ended',
        error: { code: 'executor_failed', message: `Slurm ended job ${jobId}: ${EXECUTOR_FAILED.has(state) ? state : `unexpected state ${state.slice(0, 40)}`}` },
      };
  }
}

/** Errors after which the same command may well succeed: slurmctld (or slurmdbd, munged) out of reach. */
const TRANSIENT = /unable to contact slurm controller|connect failure|connection refused|connection timed out|socket timed out|timed out on|zero bytes were transmitted|try again later|temporarily unable|backup controller|communication connection failure|network is unreachable|no route to host|slurmdbd|munge|authentication error/i;

export const isTransientError = (stderr: string): boolean => TRANSIENT.test(stderr);

/** The job is gone from slurmctld's memory (never existed, or ended longer than MinJobAge ago). */
export const isUnknownJob = (stderr: string): boolean => /invalid job id/i.test(stderr);

/** scancel's answers for a job that has nothing left to signal. */
export const isAlreadyDone = (stderr: string): boolean => /already complet|invalid job id|job is no longer|job has finished/i.test(stderr);

/** Slurm's elapsed-time format, [DD-[HH:]]MM:SS[.mmm], in seconds. */
export function parseSlurmDuration(text: string): number | undefined {
  const m = /^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)$/.exec(text.trim());
  if (m === null) return undefined;
  return Number(m[1] ?? 0) * 86_400 + Number(m[2] ?? 0) * 3600 + Number(m[3]) * 60 + Number(m[4]);
}

const UNITS: Record<string, number> = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40, P: 2 ** 50 };

/** A TRES size such as "3112K" (binary units; no unit: bytes), in bytes. */
export function parseSlurmSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([KMGTP]?)$/.exec(text.trim());
  return m === null ? undefined : Number(m[1]) * (UNITS[m[2] ?? ''] ?? 1);
}

export interface SlurmUsage {
  tasks: number;
  cpuSeconds: number;
  rssBytes: number;
}

/**
 * `sstat -n -P -a -o NTasks,TRESUsageInTot`: tasks, CPU time and resident memory summed over
 * the running steps. Undefined when no step reports any usage (no accounting gatherer).
 */
export function parseSstat(stdout: string): SlurmUsage | undefined {
  let found = false;
  const usage: SlurmUsage = { tasks: 0, cpuSeconds: 0, rssBytes: 0 };
  for (const line of stdout.split('\n')) {
    const [tasks, tres] = line.trim().split('|');
    if (tres === undefined) continue;
    const fields = new Map(tres.split(',').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as const));
    const cpu = parseSlurmDuration(fields.get('cpu') ?? '');
    const mem = parseSlurmSize(fields.get('mem') ?? '');
    if (cpu === undefined && mem === undefined) continue;
    found = true;
    usage.tasks += Number(tasks) || 0;
    usage.cpuSeconds += cpu ?? 0;
    usage.rssBytes += mem ?? 0;
  }
  return found && usage.tasks > 0 ? usage : undefined;
}
