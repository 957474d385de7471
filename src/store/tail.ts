// Reads the last lines of a log from the end of the file, never the whole file: cost is
// bounded by max_bytes however large the log grows. A missing log reads as empty; one planted
// as a symlink or special file is an io_error naming it (safe-open.ts), never read.
import { readSync, fstatSync, closeSync } from 'node:fs';
import { openForRead } from './safe-open.js';

export interface TailResult {
  text: string;
  begin: number;
  end: number;
  total: number;
  /** Whether `begin` is the start of a line (false when the byte budget cut a line). */
  lineStart: boolean;
}

const CHUNK = 64 * 1024;
const NEWLINE = 0x0a;

/** Whether the byte at `offset` starts a line: the file's first byte, or one after a newline. */
function startsLine(fd: number, offset: number): boolean {
  if (offset === 0) return true;
  const byte = Buffer.alloc(1);
  return readSync(fd, byte, 0, 1, offset - 1) === 1 && byte[0] === NEWLINE;
}

export function readTail(path: string, lines: number, maxBytes: number): TailResult {
  const fd = openForRead(path);
  if (fd === undefined) return { text: '', begin: 0, end: 0, total: 0, lineStart: true };
  try {
    const total = fstatSync(fd).size;
    const end = total;
    const floor = Math.max(0, end - maxBytes);
    if (lines <= 0 || maxBytes <= 0 || end === 0) return { text: '', begin: end, end, total, lineStart: true };
    // Walk backwards chunk by chunk until `lines` line starts are found or the byte budget ends.
    const chunks: Buffer[] = [];
    let pos = end;
    let begin = floor;
    let newlinesSeen = 0;
    scan: while (pos > floor) {
      const start = Math.max(floor, pos - CHUNK);
      const buf = Buffer.alloc(pos - start);
      readSync(fd, buf, 0, buf.length, start);
      chunks.unshift(buf);
      for (let i = buf.length - 1; i >= 0; i--) {
        if (buf[i] !== NEWLINE || start + i === end - 1) continue; // a final newline ends the last line
        newlinesSeen++;
        if (newlinesSeen === lines) {
          begin = start + i + 1;
          break scan;
        }
      }
      pos = start;
    }
    let data = Buffer.concat(chunks);
    const dataStart = end - data.length;
    data = data.subarray(begin - dataStart);
    // Do not start in the middle of a UTF-8 sequence when the byte budget cut it.
    let skip = 0;
    while (skip < 3 && skip < data.length && ((data[skip] ?? 0) & 0xc0) === 0x80) skip++;
    begin += skip;
    return { text: data.subarray(skip).toString('utf8'), begin, end, total, lineStart: skip === 0 && startsLine(fd, begin) };
  } finally {
    closeSync(fd);
  }
}
