// Timeout and kill escalation for a running job: SIGTERM to the process group at the timeout,
// SIGKILL `kill_after` later; a `kill --grace` request escalates to SIGKILL after its grace even
// if the `kill` caller itself is gone.
import type { RunningProcess } from '../executors/local/target.js';
import type { KillRequest } from '../job/state.js';
import { setLongTimeout, type LongTimeout } from '../util/timers.js';

export class Escalation {
  timedOut = false;
  private readonly timers: LongTimeout[] = [];
  private killSeen = false;
  private stopping = false;
  private exited = false;

  constructor(private readonly proc: Pick<RunningProcess, 'signalGroup'>, private readonly killAfterMs: number) {}

  startTimeout(timeoutMs: number, onTimeout: () => Promise<unknown>): void {
    this.timers.push(
      setLongTimeout(() => {
        if (this.exited) return;
        this.timedOut = true;
        // Record first so that status shows timed_out while the job shuts down.
        void onTimeout().catch(() => undefined).finally(() => {
          this.proc.signalGroup('SIGTERM');
          this.escalateAfter(this.killAfterMs);
        });
      }, timeoutMs),
    );
  }

  killRequested(request: KillRequest): void {
    if (this.killSeen || this.exited) return;
    this.killSeen = true;
    if (request.signal === 'SIGKILL') return;
    const due = Date.parse(request.requested_at) + request.grace_ms - Date.now();
    this.escalateAfter(Math.max(0, due));
  }

  /** jobctl ends the job itself (an agent past its turn limit): SIGTERM now, SIGKILL after kill_after. */
  stop(): void {
    if (this.stopping || this.exited) return;
    this.stopping = true;
    this.proc.signalGroup('SIGTERM');
    this.escalateAfter(this.killAfterMs);
  }

  private escalateAfter(ms: number): void {
    this.timers.push(setLongTimeout(() => { if (!this.exited) this.proc.signalGroup('SIGKILL'); }, ms));
  }

  /** Once the leader is gone, what a kill or timeout started is finished off at once. */
  leaderExited(): void {
    this.exited = true;
    this.timers.forEach((t) => t.clear());
    if (this.timedOut || this.killSeen || this.stopping) this.proc.signalGroup('SIGKILL');
  }
}
