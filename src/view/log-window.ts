// A window of a log as it may be shown: redacted whole where a masked value overlaps its start
// or end (window-redaction.ts), judged with the bytes of the log around the window.
import { readLogFrom } from '../store/log-range.js';
import { secretContextBytes } from '../window-redaction.js';

/** The bytes of `path` just before `begin` and just after `end` that a secret could reach across. */
export function windowContext(path: string, begin: number, end: number): { before: Buffer; after: Buffer } {
  const reach = secretContextBytes();
  if (reach === 0) return { before: Buffer.alloc(0), after: Buffer.alloc(0) };
  const from = Math.max(0, begin - reach);
  return { before: readLogFrom(path, from, begin - from), after: readLogFrom(path, end, reach) };
}
