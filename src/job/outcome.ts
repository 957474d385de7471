// The terminal state of a job whose end was observed (pure): from the exit status the supervisor
// saw, or that a remote executor reported. "Lost + duration" is built here once (lose()).
import { constants } from 'node:os';
import type { ExitedState, FailedState, JobErrorInfo, JobStateRecord, KilledState, LostState, TerminalState } from './state.js';
import { lose } from './transitions.js';
import { msBetween } from '../util/time.js';

/** How a process ended: an exit code, or the signal that killed it. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ExitFacts {
  exit: Exit;
  finishedAt: string;
  timedOut: boolean;
  /** The supervisor SIGKILLed the job for writing past max_log_bytes. */
  killedForLogSize: boolean;
  /** The supervisor stopped an agent that began a turn past --max-turns. */
  stoppedForMaxTurns?: boolean;
  logTruncated: boolean;
  diskFull: boolean;
}

/** The job's end, or undefined when the job is not live (an ended job never ends again). */
export function terminalState(cur: JobStateRecord, facts: ExitFacts): TerminalState | undefined {
  if (cur.state !== 'running' && cur.state !== 'queued') return undefined;
  const base: Record<string, unknown> & JobStateRecord = { ...cur };
  delete base.waiting_for;
  delete base.retry_at;
  delete base.parked;
  const next: Record<string, unknown> = { ...base, finished_at: facts.finishedAt, timed_out: facts.timedOut };
  const duration = msBetween(cur.started_at, facts.finishedAt);
  if (duration !== undefined) next['duration_ms'] = duration;
  if (facts.logTruncated) next['log_truncated'] = true;
  if (facts.killedForLogSize) next['kill_reason'] = 'max_log_bytes';
  else if (facts.stoppedForMaxTurns === true) next['kill_reason'] = 'max_turns';
  if (facts.exit.signal !== null) next['signal'] = facts.exit.signal;
  else next['exit_code'] = facts.exit.code ?? -1;
  if (facts.diskFull) {
    // Not a clean success whatever the exit code: output may be missing.
    return { ...next, state: 'failed', error: { code: 'disk_full', message: 'the filesystem holding the job logs is full: output may be missing' } } as FailedState;
  }
  return facts.exit.signal !== null ? ({ ...next, state: 'killed' } as KilledState) : ({ ...next, state: 'exited' } as ExitedState);
}

export interface RemoteExitFacts extends ExitFacts {
  /** The executor failed the job (OOM, node failure): `failed` with this error. */
  error?: JobErrorInfo;
  /** Nobody observed how it ended: `lost` with this reason, no exit code. */
  lostReason?: string;
}

export function remoteTerminalState(cur: JobStateRecord, facts: RemoteExitFacts): TerminalState | undefined {
  if (facts.lostReason !== undefined) {
    const lost = lose(cur, facts.lostReason, facts.finishedAt, msBetween(cur.started_at, facts.finishedAt));
    return lost === undefined ? undefined : ({ ...lost, timed_out: facts.timedOut } satisfies LostState);
  }
  const next = terminalState(cur, facts);
  if (next === undefined) return undefined;
  // An executor that failed the job may report no exit status: never invent one.
  if (facts.exit.code === null && facts.exit.signal === null) delete next.exit_code;
  if (facts.error !== undefined && next.state !== 'failed') return { ...next, state: 'failed', error: facts.error } as FailedState;
  return next;
}

/**
 * A remote exit status as an Exit. Shells and init processes report death by signal N as
 * 128+N; that is read as the signal only when jobctl sent one (kill, timeout, log cap) —
 * otherwise a program that exits 143 by itself would be reported as killed.
 */
export function remoteExit(code: number | undefined, signal: string | undefined, signalSent: boolean): Exit {
  if (signal !== undefined) return { code: null, signal: signal as NodeJS.Signals };
  if (code !== undefined && signalSent && code > 128 && code < 128 + 65) {
    const name = Object.entries(constants.signals).find(([, n]) => n === code - 128)?.[0];
    if (name !== undefined) return { code: null, signal: name as NodeJS.Signals };
  }
  return { code: code ?? null, signal: null };
}
