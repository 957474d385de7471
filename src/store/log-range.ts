// Reading a log (or an executor's output file in the spool) from a byte offset: the one reader
// of log bytes that `logs --follow`, output matching, agent activity and Slurm's copy home use.
// The state watch is state-watch.ts; the last lines of a log are tail.ts'. Opens go through
// safe-open.ts: a log planted as a symlink or FIFO is never followed nor waited on.
import { readSync, fstatSync, closeSync } from 'node:fs';
import { openForRead } from './safe-open.js';

/**
 * Bytes of `path` from `offset`, at most `maxBytes` (up to the end as it is now); undefined
 * when the file does not exist. Other errors are thrown.
 */
export function readRange(path: string, offset: number, maxBytes: number): Buffer | undefined {
  const fd = openForRead(path);
  if (fd === undefined) return undefined;
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

/** Bytes of `path` from `offset`, at most `maxBytes`; empty when the log cannot be read (yet). */
export function readLogFrom(path: string, offset: number, maxBytes: number): Buffer {
  try {
    return readRange(path, offset, maxBytes) ?? Buffer.alloc(0);
  } catch {
    return Buffer.alloc(0);
  }
}
