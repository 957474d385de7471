// The path of a file sink (--notify-file, --output-file), checked when it is given: an existing
// path must be a regular file, because a FIFO, a device or a directory cannot take one appended
// line per event (a FIFO nobody reads would never take it). A path that does not exist yet is
// accepted: the sink creates it. A path that changes kind later is refused at delivery
// (notify/file-sink.ts).
import { resolve } from 'node:path';
import { usageError } from '../errors.js';
import { specialFileKind } from '../util/fs-checks.js';

export function sinkFilePath(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  const path = resolve(value);
  const kind = specialFileKind(path);
  if (kind !== undefined) throw usageError(`--${flag} ${JSON.stringify(path.slice(0, 200))} is ${kind}, not a regular file: a sink file gets one line appended per event`, { flag });
  return path;
}
