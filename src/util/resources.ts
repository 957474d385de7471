// Resource use of a job's process group, from /proc: how many processes, resident memory,
// CPU time and the lifetime average CPU share. Linux exposes times in USER_HZ (always 100).
import { readFileSync, readdirSync } from 'node:fs';
import { readProcStat } from './proc.js';

const USER_HZ = 100;

export interface Resources {
  processes: number;
  rss_bytes: number;
  cpu_seconds: number;
  cpu_percent: number;
  uptime_ms: number;
}

function rssBytes(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function uptimeSeconds(): number | undefined {
  try {
    return Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  } catch {
    return undefined;
  }
}

/** Sums the live members of process group `pgid` started no earlier than its leader. */
export function groupResources(pgid: number, leaderStartTime: string): Resources | undefined {
  const since = Number(leaderStartTime);
  const uptime = uptimeSeconds();
  if (uptime === undefined) return undefined;
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return undefined;
  }
  let processes = 0;
  let rss = 0;
  let ticks = 0;
  for (const name of names) {
    if (name.charCodeAt(0) > 57) continue; // not a pid
    const pid = Number(name);
    const st = readProcStat(pid);
    if (!st || st.pgrp !== pgid || st.state === 'Z' || Number(st.startTime) < since) continue;
    processes++;
    rss += rssBytes(pid);
    ticks += st.cpuTicks;
  }
  if (processes === 0) return undefined;
  const cpuSeconds = ticks / USER_HZ;
  const elapsed = Math.max(0.001, uptime - since / USER_HZ);
  return {
    processes,
    rss_bytes: rss,
    cpu_seconds: Math.round(cpuSeconds * 100) / 100,
    cpu_percent: Math.round((cpuSeconds / elapsed) * 1000) / 10,
    uptime_ms: Math.round(elapsed * 1000),
  };
}
