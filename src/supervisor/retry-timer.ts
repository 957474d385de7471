// The retry timer: while jobs wait for the time of their next attempt (the `retry` line of
// store/waiting-lines.ts), one process per root (`supervisor.cjs --timer ROOT [CONFIG]`) sleeps
// until the earliest of those times, runs the dispatcher, and exits once the line is empty. A
// retry delay costs no process of its own: a thousand jobs waiting for retries share one timer.
// Invariants:
// - At most one live timer per root: its identity is in .slots/.retry/.timer, written under the
//   scheduling lock by the dispatcher pass that leaves retries waiting and finds no live timer
//   (dispatch.ts); the timer removes it under the same lock when it finds the line empty.
// - A timer that died (SIGKILL, reboot) is replaced by the next such pass, and any command's pass
//   starts a retry whose time has come: a retry never waits on a dead timer for long.
import { join } from 'node:path';
import type { ProcessIdentity } from '../job/transitions.js';
import { entryOf, isLive, readEntry, removeQuietly, writeEntry } from '../store/slot-entries.js';
import { lineDir, lineTickets, ticketTime, withSchedulingLock } from '../store/waiting-lines.js';
import { makeDirs } from '../util/make-dirs.js';
import { sleepUntilChange } from '../util/sleep-until-change.js';
import { processStartTime } from '../util/proc.js';

/** The timer sleeps at most this long between looks (a clock change, a missed event). */
const MAX_SLEEP_MS = 60_000;

const timerPath = (root: string): string => join(lineDir(root, 'retry'), '.timer');

/** True while the root's timer is a live process. */
export const retryTimerLive = (root: string): boolean => isLive(readEntry(timerPath(root)));

/** Under the scheduling lock: starts a timer (`start`) unless a live one is recorded. */
export function ensureRetryTimer(root: string, start: () => ProcessIdentity | undefined): void {
  if (retryTimerLive(root)) return;
  const started = start();
  if (started === undefined) return;
  makeDirs(lineDir(root, 'retry'), 0o700);
  writeEntry(timerPath(root), entryOf({ jobId: 'timer', queuedAt: '', pid: started.pid, startTime: started.startTime }));
}

/** The timer's loop: `pass` runs the dispatcher; returns once no retry waits. */
export async function runRetryTimer(root: string, pass: () => Promise<void>): Promise<void> {
  const self = { pid: process.pid, startTime: processStartTime(process.pid) };
  let lastDue: string | undefined;
  for (;;) {
    const first = lineTickets(root, 'retry')[0];
    if (first === undefined) {
      const done = await withSchedulingLock(root, () => {
        if (lineTickets(root, 'retry').length > 0) return false;
        if (readEntry(timerPath(root))?.pid === self.pid) removeQuietly(timerPath(root));
        return true;
      });
      if (done) return;
      continue;
    }
    // A due ticket still there after a pass (its job's lock was busy): look again a little later.
    const wait = first === lastDue ? 1000 : Math.min(MAX_SLEEP_MS, Math.max(0, Date.parse(ticketTime(first)) - Date.now()));
    if (wait > 0) await sleepUntilChange(lineDir(root, 'retry'), wait, (name) => !name.startsWith('.'));
    lastDue = lineTickets(root, 'retry')[0];
    await pass();
  }
}
