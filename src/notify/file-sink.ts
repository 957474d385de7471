// File sink: appends one NDJSON line per event. One write(2) on an O_APPEND descriptor, so
// concurrent appenders never interleave within a line. Never throws.
// node:fs only for the --notify-file / output-match file, the caller's path outside the job root.
// Invariant: the supervisor's event loop never waits on this path. Every step runs off the main
// thread (fs.promises); a path that is not a regular file (a FIFO, a device, a directory, even
// one that became so after it was accepted) is refused without opening it or, when it changes
// in between, opened with O_NONBLOCK and refused after fstat; the whole attempt is bounded by
// the timeout (a hung filesystem): past it the attempt is recorded failed.
import { constants, type Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { DeliveryResult } from './events.js';
import { nowIso } from '../util/time.js';
import { fileKind } from '../util/fs-checks.js';

const APPEND_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NONBLOCK | constants.O_NOCTTY;

function refuseSpecial(path: string, st: Stats | undefined): void {
  if (st !== undefined && !st.isFile()) throw new Error(`${path} is ${fileKind(st)}, not a regular file`);
}

async function append(path: string, line: Buffer): Promise<void> {
  refuseSpecial(path, await stat(path).catch(() => undefined));
  const handle = await open(path, APPEND_FLAGS, 0o600);
  try {
    refuseSpecial(path, await handle.stat());
    const { bytesWritten } = await handle.write(line, 0, line.length);
    if (bytesWritten !== line.length) throw new Error(`short write (${bytesWritten} of ${line.length} bytes)`);
  } finally {
    await handle.close();
  }
}

export async function appendEventLine(path: string, eventJson: string, timeoutMs: number): Promise<DeliveryResult> {
  const attemptedAt = nowIso();
  const started = Date.now();
  const result = (error?: string): DeliveryResult => ({
    sink: 'file',
    target: path,
    ok: error === undefined,
    ...(error !== undefined ? { error } : {}),
    attempted_at: attemptedAt,
    duration_ms: Date.now() - started,
  });
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`timed out after ${timeoutMs}ms`), timeoutMs);
  });
  const attempt = append(path, Buffer.from(eventJson + '\n')).then(
    () => undefined,
    (err: unknown) => (err as Error).message,
  );
  try {
    return result(await Promise.race([attempt, expired]));
  } finally {
    clearTimeout(timer);
  }
}
