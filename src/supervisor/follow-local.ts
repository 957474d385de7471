// The local executor's side of following an attempt (follow-attempt.ts): the job's process
// group is signalled at once, and the attempt ends when its leader exits (the supervisor is its
// parent, so the exit status is observed, never guessed). `kill` signals a local group itself.
import { terminalState } from '../job/outcome.js';
import { nowIso } from '../util/time.js';
import type { RunningProcess } from '../executors/local/target.js';
import type { AttemptPort } from './follow-attempt.js';

export function localAttempt(proc: RunningProcess): AttemptPort {
  return {
    proc,
    pid: proc.pid,
    deliversKillSignal: false,
    async ended(runningSince) {
      runningSince(nowIso());
      const exit = await proc.exited;
      return { exitFor: () => exit };
    },
    terminal: terminalState,
  };
}
