// Duration parsing: 250ms, 10s, 5m, 2h, 1d, or a bare integer meaning milliseconds. A bare
// integer other than 0 is valid but easily meant as seconds: the caller may pass a `Warn` that
// collects a warning for the command's answer (no module state: the Context owns the list).
import { JobError } from '../errors.js';

/** Collects a warning about valid but risky input (the envelope's `warnings`). */
export type Warn = (message: string) => void;

/** The warning for a bare integer duration (milliseconds, easily meant as seconds). */
export function bareIntegerWarning(flag: string, text: string): string {
  return `${flag} ${text} is ${text} ms; write ${text}s for seconds, ${text}ms for milliseconds`;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION_RE = /^(\d{1,12})(ms|s|m|h|d)?$/;

export function parseDuration(input: unknown, flag: string, warn?: Warn): number {
  const text = typeof input === 'number' ? String(input) : input;
  if (typeof text !== 'string') {
    throw new JobError('invalid_duration', `${flag}: expected a duration such as 250ms, 10s, 5m, 2h, 1d`, { flag });
  }
  const m = DURATION_RE.exec(text);
  if (!m) {
    throw new JobError('invalid_duration', `${flag}: invalid duration ${JSON.stringify(text.slice(0, 100))}; use 250ms, 10s, 5m, 2h, 1d or integer milliseconds`, { flag, value: text.slice(0, 100) });
  }
  const ms = Number(m[1]) * (UNIT_MS[m[2] ?? 'ms'] ?? 1);
  if (!Number.isSafeInteger(ms)) {
    throw new JobError('invalid_duration', `${flag}: duration too large`, { flag, value: text });
  }
  if (m[2] === undefined && ms !== 0 && warn !== undefined) warn(bareIntegerWarning(flag, m[1] as string));
  return ms;
}

export function parseOptionalDuration(input: unknown, flag: string, warn?: Warn): number | undefined {
  return input === undefined ? undefined : parseDuration(input, flag, warn);
}

/** Renders milliseconds back in the largest exact unit (30d, 90s, 250ms). */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const size = UNIT_MS[unit] ?? 1;
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
