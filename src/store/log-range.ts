// Incremental reads of a job's logs for `logs --follow`: bytes from an offset up to the current
// end of a log (bounded per read). The state watch is state-watch.ts.
import { openSync, readSync, fstatSync, closeSync } from 'node:fs';

/** Bytes of `path` from `offset`, at most `maxBytes`; empty when the log does not exist yet. */
export function readLogFrom(path: string, offset: number, maxBytes: number): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return Buffer.alloc(0);
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.max(0, Math.min(size - offset, maxBytes));
    if (length === 0) return Buffer.alloc(0);
    const buf = Buffer.alloc(length);
    const n = readSync(fd, buf, 0, length, offset);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}
