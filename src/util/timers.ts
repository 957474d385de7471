// setTimeout for any duration: Node fires a delay above 2^31-1 ms (about 24.8 days) after
// 1 ms, so longer delays are chained.
const MAX_DELAY_MS = 2_147_483_647;

export interface LongTimeout {
  clear(): void;
}

export function setLongTimeout(fn: () => void, ms: number): LongTimeout {
  let timer: NodeJS.Timeout;
  const arm = (remaining: number): void => {
    if (remaining > MAX_DELAY_MS) timer = setTimeout(() => arm(remaining - MAX_DELAY_MS), MAX_DELAY_MS);
    else timer = setTimeout(fn, Math.max(0, remaining));
  };
  arm(ms);
  return { clear: () => clearTimeout(timer) };
}

/** An interval period that Node honours as given. */
export const safeInterval = (ms: number): number => Math.min(Math.max(1, ms), MAX_DELAY_MS);
