// Follows stdout.log and stderr.log by byte offset and hands every new complete line that
// matches the job's output pattern to `onMatch`. Output from before the pattern was set is
// never replayed: reading starts at the offsets recorded when it was set, skipping a line
// that was already half-written then.
// Lines longer than MAX_LINE_BYTES are matched on their first MAX_LINE_BYTES only (cut back to a
// character boundary) and reported with `truncated`; the rest of such a line is skipped up to
// its newline, so nothing is ever matched from the middle of a line.
import { fileSize } from '../store/jobs.js';
import { logEndsLineAt } from '../store/job-logs.js';
import { readLogFrom } from '../store/log-range.js';
import { compileMatcher, type LineMatcher } from '../util/line-matcher.js';
import type { OutputMatchConfig, StreamName } from '../store/types.js';

const READ_CHUNK = 1024 * 1024;
/** The longest line matched whole (docs/cli-contract.md). */
export const MAX_LINE_BYTES = 1024 * 1024;

interface StreamCursor {
  path: string;
  pos: number;
  pending: Buffer;
  skipPartial: boolean;
}

export type MatchHandler = (stream: StreamName, line: string, config: OutputMatchConfig, truncated: boolean) => void;

export class OutputFollower {
  private config: OutputMatchConfig | undefined;
  private matcher: LineMatcher | undefined;
  private readonly cursors: Record<StreamName, StreamCursor>;

  constructor(paths: Record<StreamName, string>, private readonly onMatch: MatchHandler) {
    this.cursors = {
      stdout: { path: paths.stdout, pos: 0, pending: Buffer.alloc(0), skipPartial: false },
      stderr: { path: paths.stderr, pos: 0, pending: Buffer.alloc(0), skipPartial: false },
    };
  }

  get active(): boolean {
    return this.config !== undefined;
  }

  /**
   * Applies a (new) setting. When only the sinks changed, reading goes on where it was; a new
   * pattern, match type or stream starts at the offsets recorded with it. A pattern that no
   * longer compiles disables matching.
   */
  setConfig(config: OutputMatchConfig | undefined): void {
    const previous = this.config;
    if (JSON.stringify(config) === JSON.stringify(previous)) return;
    this.config = config;
    const sameMatching = config !== undefined && previous !== undefined && this.matcher !== undefined &&
      config.pattern === previous.pattern && config.match_type === previous.match_type && config.stream === previous.stream;
    if (sameMatching) return;
    this.matcher = undefined;
    if (!config) return;
    try {
      this.matcher = compileMatcher(config.pattern, config.match_type);
    } catch {
      this.config = undefined;
      return;
    }
    for (const stream of ['stdout', 'stderr'] as const) {
      const cursor = this.cursors[stream];
      cursor.pos = config.since[stream];
      cursor.pending = Buffer.alloc(0);
      cursor.skipPartial = cursor.pos > 0 && !logEndsLineAt(cursor.path, cursor.pos);
    }
  }

  /** Reads whatever is new; at the end of the job (`final`) a trailing partial line counts too. */
  poll(final = false): void {
    if (!this.config || !this.matcher) return;
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.config.stream !== 'either' && this.config.stream !== stream) continue;
      this.readStream(stream, final);
    }
  }

  private readStream(stream: StreamName, final: boolean): void {
    const cursor = this.cursors[stream];
    // Up to the end as it is now: a job writing fast never keeps this read going.
    const size = fileSize(cursor.path);
    while (cursor.pos < size) {
      const buf = readLogFrom(cursor.path, cursor.pos, Math.min(READ_CHUNK, size - cursor.pos));
      if (buf.length === 0) break;
      cursor.pos += buf.length;
      this.consume(stream, cursor, buf);
    }
    if (final && cursor.pending.length > 0) {
      const rest = cursor.pending;
      cursor.pending = Buffer.alloc(0);
      if (!cursor.skipPartial) this.emit(stream, rest);
      cursor.skipPartial = false;
    }
  }

  private consume(stream: StreamName, cursor: StreamCursor, chunk: Buffer): void {
    let data = cursor.pending.length > 0 ? Buffer.concat([cursor.pending, chunk]) : chunk;
    let start = 0;
    for (let nl = data.indexOf(0x0a, start); nl !== -1; nl = data.indexOf(0x0a, start)) {
      const line = data.subarray(start, nl);
      start = nl + 1;
      if (cursor.skipPartial) { cursor.skipPartial = false; continue; }
      this.emit(stream, line);
    }
    data = data.subarray(start);
    if (data.length > MAX_LINE_BYTES) {
      // An endless line is matched on its start, never buffered without bound; its rest is skipped.
      if (!cursor.skipPartial) this.emit(stream, data);
      cursor.skipPartial = true;
      data = Buffer.alloc(0);
    }
    cursor.pending = Buffer.from(data);
  }

  private emit(stream: StreamName, raw: Buffer): void {
    if (!this.config || !this.matcher) return;
    const truncated = raw.length > MAX_LINE_BYTES;
    let line = (truncated ? raw.subarray(0, characterBoundary(raw, MAX_LINE_BYTES)) : raw).toString('utf8');
    if (!truncated && line.endsWith('\r')) line = line.slice(0, -1);
    if (this.matcher(line)) this.onMatch(stream, line, this.config, truncated);
  }
}

/** The largest offset <= `max` that does not cut a UTF-8 character. */
function characterBoundary(buf: Buffer, max: number): number {
  let end = max;
  while (end > 0 && end > max - 4 && ((buf[end] ?? 0) & 0xc0) === 0x80) end--;
  return end;
}
