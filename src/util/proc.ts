// Process liveness that a recycled pid or a zombie cannot fool: a pid counts as the recorded
// process only when /proc/PID/stat shows the same start time and a state other than Z/X.
import { readFileSync, readdirSync } from 'node:fs';

export interface ProcStat {
  state: string;
  ppid: number;
  pgrp: number;
  startTime: string;
  /** utime + stime, in USER_HZ ticks. */
  cpuTicks: number;
}

export function readProcStat(pid: number): ProcStat | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm (field 2) may contain spaces and parentheses: split after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = rest[0] ?? '?';
  const ppid = Number(rest[1]);
  const pgrp = Number(rest[2]);
  const startTime = rest[19] ?? '';
  return { state, ppid, pgrp, startTime, cpuTicks: Number(rest[11] ?? 0) + Number(rest[12] ?? 0) };
}

/** This process's own start time, read once: it never changes while it runs. */
let ownStartTime: string | undefined;

/** Start time (clock ticks since boot) of a live, non-zombie process. */
export function processStartTime(pid: number): string | undefined {
  if (pid === process.pid && ownStartTime !== undefined) return ownStartTime;
  const st = readProcStat(pid);
  if (pid === process.pid && st !== undefined) ownStartTime = st.startTime;
  if (!st || st.state === 'Z' || st.state === 'X') return undefined;
  return st.startTime;
}

export function isSameLiveProcess(pid: number | undefined, startTime: string | undefined): boolean {
  if (pid === undefined || startTime === undefined) return false;
  return processStartTime(pid) === startTime;
}

let bootIdCache: string | undefined;
export function bootId(): string {
  if (bootIdCache === undefined) {
    try {
      bootIdCache = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      bootIdCache = 'unknown';
    }
  }
  return bootIdCache;
}


/**
 * True when process group `pgid` verifiably still holds a process of the job: the leader
 * itself (same start time), or a member started no earlier than the recorded leader.
 */
export function jobGroupExists(pgid: number | undefined, leaderStartTime: string | undefined): boolean {
  if (pgid === undefined || leaderStartTime === undefined) return false;
  if (isSameLiveProcess(pgid, leaderStartTime)) return true;
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return false;
  }
  const since = Number(leaderStartTime);
  return names.some((name) => {
    if (!/^\d+$/.test(name)) return false;
    const st = readProcStat(Number(name));
    return st !== undefined && st.pgrp === pgid && st.state !== 'Z' && Number(st.startTime) >= since;
  });
}

/**
 * Sends `signal` to process group `pgid` if it verifiably still holds a process of the job (see
 * jobGroupExists); returns true when the signal was sent.
 */
export function signalJobGroup(pgid: number | undefined, leaderStartTime: string | undefined, signal: NodeJS.Signals): boolean {
  if (pgid === undefined || !jobGroupExists(pgid, leaderStartTime)) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** SIGKILLs what verifiably remains of a job's process group; true when a signal was sent. */
export const killJobGroup = (pgid: number | undefined, leaderStartTime: string | undefined): boolean => signalJobGroup(pgid, leaderStartTime, 'SIGKILL');
