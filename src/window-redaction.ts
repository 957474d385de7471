// Redaction of a window of a log (a tail, a follow chunk, a grep line): a masked value that
// overlaps the window's start or end is redacted whole — the part of it inside the window
// becomes *** — never shown in part. The window is judged with the bytes around it (`before`,
// `after`: as many as the longest secret could reach), so only a real occurrence is masked.
// The secrets are those registered with output.ts unless a caller names them.
// Invariant: at a window that ends at the end of its file (`atEnd`), a trailing proper prefix
// of a secret is masked too: the rest of the value may be written after the read.
import { knownSecrets } from './output.js';

export type ByteRange = [start: number, end: number];

const MASK = '***';

/** How many bytes around a window can hold part of a secret that reaches into it. */
export function secretContextBytes(secrets: readonly string[] = knownSecrets()): number {
  let longest = 0;
  for (const s of secrets) longest = Math.max(longest, Buffer.byteLength(s));
  return Math.max(0, longest - 1);
}

/** True when `buf` ends with the first `k` bytes of `secret`. */
const endsWithPrefix = (buf: Buffer, secret: Buffer, k: number): boolean =>
  buf.length >= k && buf.subarray(buf.length - k).equals(secret.subarray(0, k));

/** The byte ranges of `buf` covered by a secret (merged, in order). */
export function secretRanges(buf: Buffer, atEnd: boolean, secrets: readonly string[] = knownSecrets()): ByteRange[] {
  const ranges: ByteRange[] = [];
  for (const value of secrets) {
    const secret = Buffer.from(value);
    for (let at = buf.indexOf(secret); at >= 0; at = buf.indexOf(secret, at + 1)) ranges.push([at, at + secret.length]);
    if (!atEnd) continue;
    for (let k = secret.length - 1; k > 0; k--) {
      if (endsWithPrefix(buf, secret, k)) { ranges.push([buf.length - k, buf.length]); break; }
    }
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: ByteRange[] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last !== undefined && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}

/** The text of `buf[from, to)` with every part a range covers replaced by ***. */
export function maskedText(buf: Buffer, from: number, to: number, ranges: readonly ByteRange[]): string {
  let out = '';
  let pos = from;
  for (const [start, end] of ranges) {
    if (end <= pos || start >= to) continue;
    if (start > pos) out += buf.toString('utf8', pos, start);
    out += MASK;
    pos = Math.min(end, to);
  }
  return pos < to ? out + buf.toString('utf8', pos, to) : out;
}

/** `window` as text, redacted whole where a secret overlaps it (judged with the bytes around it). */
export function redactWindow(before: Buffer, window: Buffer, after: Buffer, atEnd: boolean, secrets: readonly string[] = knownSecrets()): string {
  if (secrets.length === 0) return window.toString('utf8');
  const buf = Buffer.concat([before, window, after]);
  return maskedText(buf, before.length, before.length + window.length, secretRanges(buf, atEnd && after.length === 0, secrets));
}
