// Keeping in touch with a remote executor: bounded steps retried with backoff while it cannot
// be reached (recorded in state.remote_unreachable, cleared on the next contact), and a sleep
// that a pending signal cuts short.
import { applyTransition } from '../job/apply.js';
import { jobStillExists } from '../store/job-logs.js';
import { setUnreachable } from '../job/annotations.js';
import { nowIso } from '../util/time.js';
import { log } from '../log.js';
import { TargetError } from '../executors/port.js';

const MAX_BACKOFF_MS = 30_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Calls `step` until it succeeds, recording the executor as unreachable meanwhile. */
export class Contact {
  private failures = 0;

  constructor(private readonly dir: string, private readonly pollMs: number) {}

  /** False since the last step failed to reach the executor, until one succeeds. */
  get reachable(): boolean {
    return this.failures === 0;
  }

  async retry<T>(what: string, step: () => Promise<T>): Promise<T> {
    for (;;) {
      const result = await this.attempt(what, step);
      if (result.ok) return result.value;
      await sleep(this.backoffMs());
    }
  }

  async attempt<T>(what: string, step: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false }> {
    try {
      const value = await step();
      if (this.failures > 0) {
        this.failures = 0;
        await applyTransition(this.dir, (cur) => setUnreachable(cur, undefined)).catch(() => undefined);
      }
      return { ok: true, value };
    } catch (err) {
      if (err instanceof TargetError && !err.transient) throw err;
      // The job's directory was removed (by hand, or with its root): nothing is left to record
      // to, so this supervisor stops following instead of retrying for ever.
      if (!jobStillExists(this.dir)) throw new TargetError('the job directory is gone', false);
      this.failures++;
      const message = `${what}: ${(err as Error).message}`;
      log.warn(message);
      if (this.failures === 1) {
        await applyTransition(this.dir, (cur) => setUnreachable(cur, { since: nowIso(), error: message.slice(0, 500) })).catch(() => undefined);
      }
      return { ok: false };
    }
  }

  backoffMs(): number {
    return Math.min(MAX_BACKOFF_MS, this.pollMs * 2 ** Math.min(this.failures, 10));
  }
}

/** Resolves sleep() early when something needs attention (a signal to send). */
export class Waker {
  private wake: (() => void) | undefined;

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.wake = undefined; resolve(); }, ms);
      this.wake = () => { clearTimeout(timer); this.wake = undefined; resolve(); };
    });
  }

  poke(): void {
    this.wake?.();
  }
}
