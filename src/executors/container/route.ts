// Lays a container's output, read again from its first byte, onto the local logs by offset.
// Invariant: a byte is appended only when it belongs exactly at the local log's current end,
// so bytes already local are skipped, none is written twice, and a gap is never papered over.
import type { LogSink } from '../port.js';

export type Stream = 'stdout' | 'stderr';

export class StreamRouter {
  /** Offset in each stream of the next byte this reader delivers. */
  private readonly pos: Record<Stream, number> = { stdout: 0, stderr: 0 };

  constructor(private readonly logs: LogSink) {}

  /** False when the bytes start past the local end (something was missed): nothing is written. */
  route(stream: Stream, bytes: Buffer): boolean {
    const from = this.pos[stream];
    this.pos[stream] += bytes.length;
    const have = this.logs.size(stream);
    if (from > have) return false;
    if (this.pos[stream] > have) this.logs.append(stream, bytes.subarray(have - from));
    return true;
  }
}
