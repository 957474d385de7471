// A tool call never blocks past the server's bound (`jobctl mcp --max-wait`, default 50s, below
// the usual 60s client deadline): library/bounded-call.ts clamps a longer wait; this module adds
// the progress a client sees while a call blocks. Pure except for the progress timer.
import { boundCall, clampedFields, DEFAULT_MAX_WAIT_MS, type BoundedCall } from '../library/bounded-call.js';

export { boundCall, clampedFields, DEFAULT_MAX_WAIT_MS, type BoundedCall };

/**
 * Calls `notify(elapsed, total)` at once and then every interval while `work` runs (a fifth of
 * the bound, between 250ms and 5s), so a client that sent a progress token sees the call live.
 */
export async function withProgress<T>(work: Promise<T>, blocksFor: number, notify: (elapsed: number, total: number) => void): Promise<T> {
  const started = Date.now();
  const total = Number.isFinite(blocksFor) ? blocksFor : 0;
  const every = Math.min(5000, Math.max(250, Math.floor(total / 5)));
  notify(0, total);
  const timer = setInterval(() => {
    const elapsed = Date.now() - started;
    if (total === 0 || elapsed < total) notify(elapsed, total); // progress stays below its total
  }, every);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}
