// Reads a podman container's k8s-file log (written by conmon) straight from disk.
// `podman logs --follow` (4.3) drops bytes of records it reads while conmon is writing them;
// the file itself is exact: one record a line, `TIME STREAM F|P CONTENT`, where F ends a line
// of output (a newline follows CONTENT) and P is part of a line (CONTENT only).
// Invariants: only complete records (up to the file's last newline) are consumed, and every
// byte goes through a StreamRouter, so rereading from the start is always safe.
// node:fs only for the container runtime's own log files, outside the job root.
import { accessSync, closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import type { LogSink } from '../port.js';
import { TargetError } from '../port.js';
import { StreamRouter, type Stream } from './route.js';

const CHUNK = 1024 * 1024;
const NL = 0x0a;
const SP = 0x20;

export class K8sLogReader {
  private pos = 0;
  private readonly router: StreamRouter;

  constructor(private readonly path: string, logs: LogSink) {
    this.router = new StreamRouter(logs);
  }

  /** A reader of `path` when this process may read it (podman may be remote); else null. */
  static open(path: string, logs: LogSink): K8sLogReader | null {
    try {
      accessSync(path, constants.R_OK);
      return new K8sLogReader(path, logs);
    } catch {
      return null;
    }
  }

  /** Copies the complete records written since the last call (at most about `limit` bytes). */
  drain(limit = Number.POSITIVE_INFINITY): void {
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch (err) {
      throw new TargetError(`cannot read the container log ${this.path}: ${(err as Error).message}`, true);
    }
    try {
      // A log cut by podman's log_size_max starts over; what it held before is gone.
      if (fstatSync(fd).size < this.pos) this.pos = 0;
      const buf = Buffer.alloc(CHUNK);
      let read = 0;
      while (read < limit) {
        const n = readSync(fd, buf, 0, CHUNK, this.pos);
        const end = buf.subarray(0, n).lastIndexOf(NL) + 1;
        if (end === 0) {
          if (n === CHUNK) throw new TargetError(`${this.path} is not a k8s-file log (a record longer than ${CHUNK} bytes)`, false);
          return;
        }
        this.records(buf.subarray(0, end));
        this.pos += end;
        read += end;
      }
    } finally {
      closeSync(fd);
    }
  }

  /** Routes the content of complete records, one append per stream and chunk. */
  private records(buf: Buffer): void {
    const parts: Record<Stream, Buffer[]> = { stdout: [], stderr: [] };
    let start = 0;
    while (start < buf.length) {
      const nl = buf.indexOf(NL, start);
      const s1 = buf.indexOf(SP, start);
      const s2 = buf.indexOf(SP, s1 + 1);
      const s3 = buf.indexOf(SP, s2 + 1);
      if (s1 < 0 || s3 < 0 || s3 > nl) throw new TargetError(`${this.path}: unreadable log record at byte ${this.pos + start}`, false);
      const stream = buf.toString('latin1', s1 + 1, s2);
      if (stream !== 'stdout' && stream !== 'stderr') throw new TargetError(`${this.path}: unknown stream ${stream.slice(0, 20)}`, false);
      const full = buf[s2 + 1] === 0x46; // 'F'
      parts[stream].push(buf.subarray(s3 + 1, full ? nl + 1 : nl));
      start = nl + 1;
    }
    for (const stream of ['stdout', 'stderr'] as const) {
      const bytes = Buffer.concat(parts[stream]);
      if (bytes.length > 0 && !this.router.route(stream, bytes)) {
        throw new TargetError(`${this.path}: the log lacks bytes before the end of the local ${stream} log (was it cut by log_size_max?)`, false);
      }
    }
  }
}
