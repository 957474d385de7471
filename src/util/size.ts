// Byte sizes: an integer, optionally with a binary unit (K, M, G, T; KiB/KB/k alike): 1G = 2^30.
import { usageError } from '../errors.js';

const UNITS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };
const SIZE_RE = /^(\d{1,15})\s*([kmgt]?)(i?b)?$/i;

export function parseSize(text: string, flag: string): number {
  const m = SIZE_RE.exec(text.trim());
  const unit = UNITS[(m?.[2] ?? '').toLowerCase()];
  const bytes = m && unit !== undefined ? Number(m[1]) * unit : NaN;
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw usageError(`${flag}: invalid size ${JSON.stringify(text.slice(0, 100))}; use bytes or 512K, 100M, 1G`, { flag, value: text.slice(0, 100) });
  }
  return bytes;
}
