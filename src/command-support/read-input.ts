// Reading what the caller hands a job as a file or on jobctl's own stdin: an agent's
// --prompt-file and a command job's --stdin / --stdin-file. node:fs only for the caller's
// files and descriptor 0, outside the job root.
// Invariants: at most `maxBytes` + 1 bytes are read (more is a usage_error naming the limit);
// a named file must be a regular file, opened without blocking (a FIFO or device is refused
// instead of being read for ever).
import { closeSync, constants as fsConstants, fstatSync, openSync, readSync } from 'node:fs';
import { resolve } from 'node:path';
import { usageError } from '../errors.js';

const READ_CHUNK = 1024 * 1024;

/** `maxBytes` as people say it (64 MiB), with the exact count. */
export const limitText = (maxBytes: number): string =>
  maxBytes % (1024 * 1024) === 0 ? `${maxBytes / (1024 * 1024)} MiB (${maxBytes} bytes)` : `${maxBytes} bytes`;

function openInput(file: string, flag: string): number {
  if (file === '-') return 0;
  try {
    // Non-blocking: opening a FIFO must not wait for a writer (it is refused below anyway).
    return openSync(resolve(file), fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch (err) {
    throw usageError(`--${flag} ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, { flag });
  }
}

/** Reads descriptor `fd` to its end, or until more than `maxBytes` were read. */
function readToEnd(fd: number, what: string, flag: string, maxBytes: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  const buffer = Buffer.alloc(READ_CHUNK);
  while (total <= maxBytes) {
    let n: number;
    try {
      n = readSync(fd, buffer, 0, buffer.length, null);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        // A non-blocking stdin with nothing yet: wait a little rather than spin.
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
        continue;
      }
      if (code === 'EOF') break;
      throw usageError(`${what}: ${(err as Error).message}`, { flag });
    }
    if (n === 0) break;
    chunks.push(Buffer.from(buffer.subarray(0, n)));
    total += n;
  }
  if (total > maxBytes) throw usageError(`${what} is larger than the limit of ${limitText(maxBytes)}`, { flag, limit_bytes: maxBytes });
  return Buffer.concat(chunks, total);
}

/** The bytes of `file` (`-`: jobctl's stdin, read to its end), given with --`flag`. */
export function readInputFile(file: string, flag: string, maxBytes: number): Buffer {
  const fd = openInput(file, flag);
  const what = file === '-' ? `--${flag} - (standard input)` : `--${flag} ${file}`;
  try {
    if (fd !== 0 && !fstatSync(fd).isFile()) throw usageError(`--${flag} ${file}: not a regular file`, { flag });
    return readToEnd(fd, what, flag, maxBytes);
  } finally {
    if (fd !== 0) closeSync(fd);
  }
}
