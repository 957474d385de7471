// Agent-session limits (one per session, max 1): which exist, and removing idle ones (gc).
import { readdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Limit } from './slot-limits.js';
import { withDirLock } from './lock.js';
import { holdersDir, limitDir, LIMIT_NAME, maxFile, waitingDir } from './slot-entries.js';

/**
 * Removes the directories of idle session limits (no holder, no ticket; every Claude job has a
 * session of its own) untouched for at least `olderThanMs`; returns how many. Run by `gc`, not
 * when a job ends: a waiter creates the directories before it takes their lock, so removing them
 * under a job that is about to wait would stall it.
 */
export async function removeIdleSessions(root: string, olderThanMs: number): Promise<number> {
  let removed = 0;
  for (const l of activeSessionLimits(root)) {
    const dir = limitDir(root, l);
    const empty = (d: string): boolean => {
      try {
        return readdirSync(d).filter((n) => !n.startsWith('.')).length === 0;
      } catch {
        return true;
      }
    };
    const age = (d: string): number => {
      try {
        return Date.now() - statSync(d).mtimeMs;
      } catch {
        return Infinity;
      }
    };
    if (!empty(holdersDir(root, l)) || !empty(waitingDir(root, l)) || Math.min(age(holdersDir(root, l)), age(waitingDir(root, l))) < olderThanMs) continue;
    const idle = await withDirLock(dir, () => {
      if (!empty(holdersDir(root, l)) || !empty(waitingDir(root, l))) return false;
      rmSync(holdersDir(root, l), { recursive: true, force: true });
      rmSync(waitingDir(root, l), { recursive: true, force: true });
      rmSync(maxFile(root, l), { force: true });
      return true;
    }).catch(() => false);
    if (!idle) continue;
    try {
      rmdirSync(dir);
      removed++;
    } catch {
      // In use again, or already gone.
    }
  }
  return removed;
}

/** The agent-session limits that exist now (a job of the session runs or waits), by name. */
export function activeSessionLimits(root: string): Limit[] {
  let names: string[];
  try {
    names = readdirSync(join(root, '.slots'));
  } catch {
    return [];
  }
  return names
    .filter((n) => n.startsWith('session-') && LIMIT_NAME.test(n.slice('session-'.length)))
    .sort()
    .map((n) => ({ kind: 'session', name: n.slice('session-'.length), max: 1 }));
}
