// Resource use of a job's processes, from /proc: how many processes, resident memory, CPU time
// and the lifetime average CPU share. Linux exposes times in USER_HZ (always 100).
// Two ways to pick the processes: a local job's process group (groupResources), and a
// container's process tree below its init process (treeResources).
import { readFileSync, readdirSync } from 'node:fs';
import { readProcStat, type ProcStat } from './proc.js';

export const USER_HZ = 100;

export interface Resources {
  processes: number;
  rss_bytes: number;
  cpu_seconds: number;
  cpu_percent: number;
  uptime_ms: number;
}

/** The reported figures from raw counts (also used for counts read on another machine). */
export function resourcesFrom(processes: number, rssBytes: number, cpuSeconds: number, elapsedSeconds: number): Resources {
  const elapsed = Math.max(0.001, elapsedSeconds);
  return {
    processes,
    rss_bytes: Math.round(rssBytes),
    cpu_seconds: Math.round(cpuSeconds * 100) / 100,
    cpu_percent: Math.round((cpuSeconds / elapsed) * 1000) / 10,
    uptime_ms: Math.round(elapsed * 1000),
  };
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

/** Every live (non-zombie) process of this machine with its stat. */
function liveProcesses(): Map<number, ProcStat> | undefined {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return undefined;
  }
  const found = new Map<number, ProcStat>();
  for (const name of names) {
    if (name.charCodeAt(0) > 57) continue; // not a pid
    const pid = Number(name);
    const st = readProcStat(pid);
    if (st && st.state !== 'Z' && st.state !== 'X') found.set(pid, st);
  }
  return found;
}

/** Sums `members`, with the elapsed time counted from `since` (clock ticks after boot). */
function summed(members: Array<[number, ProcStat]>, since: number): Resources | undefined {
  const uptime = uptimeSeconds();
  if (uptime === undefined || members.length === 0) return undefined;
  let rss = 0;
  let ticks = 0;
  for (const [pid, st] of members) {
    rss += rssBytes(pid);
    ticks += st.cpuTicks;
  }
  return resourcesFrom(members.length, rss, ticks / USER_HZ, uptime - since / USER_HZ);
}

/** Sums the live members of process group `pgid` started no earlier than its leader. */
export function groupResources(pgid: number, leaderStartTime: string): Resources | undefined {
  const since = Number(leaderStartTime);
  const all = liveProcesses();
  if (all === undefined) return undefined;
  return summed([...all].filter(([, st]) => st.pgrp === pgid && Number(st.startTime) >= since), since);
}

/** Sums process `root` and all its live descendants (a container's init and everything below it). */
export function treeResources(root: number): Resources | undefined {
  const all = liveProcesses();
  const top = all?.get(root);
  if (all === undefined || top === undefined) return undefined;
  const children = new Map<number, number[]>();
  for (const [pid, st] of all) children.set(st.ppid, [...(children.get(st.ppid) ?? []), pid]);
  const members: Array<[number, ProcStat]> = [];
  for (const queue = [root]; queue.length > 0; ) {
    const pid = queue.pop() as number;
    const st = all.get(pid);
    if (st === undefined) continue;
    members.push([pid, st]);
    queue.push(...(children.get(pid) ?? []));
  }
  return summed(members, Number(top.startTime));
}

/** True when process `pid` of this machine is in a cgroup whose path mentions `name`. */
export function inCgroupNamed(pid: number, name: string): boolean {
  try {
    return name.length >= 12 && readFileSync(`/proc/${pid}/cgroup`, 'utf8').includes(name);
  } catch {
    return false;
  }
}
