// The local executor's side of following an attempt (follow-attempt.ts): the job's process
// group is signalled at once, and the attempt ends when its leader exits (the supervisor is its
// parent, so the exit status is observed, never guessed). The job's finished_at is the time of
// the leader's exit event. `kill` signals a local group itself.
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
      // The end is the process's own, not the moment this supervisor got round to recording it.
      return { exitFor: () => exit, finishedAt: proc.exitedAt() ?? nowIso() };
    },
    terminal: terminalState,
  };
}
