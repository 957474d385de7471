// File sink: appends one NDJSON line per event. One write(2) on an O_APPEND descriptor, so
// concurrent appenders never interleave within a line. Never throws.
// node:fs only for the --notify-file / output-match file, the caller's path outside the job root.
import { openSync, writeSync, closeSync } from 'node:fs';
import type { DeliveryResult } from './events.js';
import { nowIso } from '../util/time.js';

export function appendEventLine(path: string, eventJson: string): DeliveryResult {
  const attemptedAt = nowIso();
  try {
    const fd = openSync(path, 'a', 0o600);
    try {
      const buf = Buffer.from(eventJson + '\n');
      const written = writeSync(fd, buf, 0, buf.length);
      if (written !== buf.length) throw new Error(`short write (${written} of ${buf.length} bytes)`);
    } finally {
      closeSync(fd);
    }
    return { sink: 'file', target: path, ok: true, attempted_at: attemptedAt };
  } catch (err) {
    return { sink: 'file', target: path, ok: false, error: (err as Error).message, attempted_at: attemptedAt };
  }
}
