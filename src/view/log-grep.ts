// `tail --grep`: the lines of a log that match a pattern, searched in the last `maxBytes` bytes
// of the file (never more: the cost is bounded however large the log grows), newest kept when
// there are more matches than asked for, answered in file order (newest last).
// Invariants: lines are matched and shown redacted (a masked value, whole or cut by the
// searched window, is *** before the pattern sees it: a pattern cannot probe a secret); a line
// that starts before the searched window is not searched (it would be matched in part); each
// match's `offset` is the byte offset of its line's start in the log.
import { fileSize } from '../store/jobs.js';
import { readLogFrom } from '../store/log-range.js';
import type { StreamName } from '../store/types.js';
import type { LineMatcher } from '../util/line-matcher.js';
import { maskedText, secretRanges } from '../window-redaction.js';
import { windowContext } from './log-window.js';

export interface GrepOptions {
  matcher: LineMatcher;
  /** Lines shown before and after each match (0: none, and no before/after fields). */
  context: number;
  maxBytes: number;
  /** Matches kept at most (the newest). */
  maxMatches: number;
}

export interface GrepMatch {
  stream: StreamName;
  offset: number;
  line: string;
  before?: string[];
  after?: string[];
}

export interface GrepResult {
  matches: GrepMatch[];
  /** The searched byte range [begin, end): from the first whole line in the window. */
  begin: number;
  end: number;
  total: number;
  /** More lines matched than maxMatches: the older ones were left out. */
  more: boolean;
}

interface Line {
  offset: number;
  text: string;
}

const NEWLINE = 0x0a;

/** The whole lines of the last `maxBytes` of `path`, redacted. */
function windowLines(path: string, maxBytes: number): { lines: Line[]; begin: number; end: number; total: number } {
  const total = fileSize(path);
  const floor = Math.max(0, total - maxBytes);
  const data = readLogFrom(path, floor, total - floor);
  const end = floor + data.length;
  const { before, after } = windowContext(path, floor, end);
  const all = Buffer.concat([before, data, after]);
  const ranges = secretRanges(all, after.length === 0);
  // A line that began before the window is skipped up to its end.
  const startsLine = floor === 0 || readLogFrom(path, floor - 1, 1)[0] === NEWLINE;
  const firstNewline = data.indexOf(NEWLINE);
  let start = startsLine ? 0 : firstNewline < 0 ? data.length : firstNewline + 1;
  const begin = floor + start;
  const lines: Line[] = [];
  while (start < data.length) {
    const nl = data.indexOf(NEWLINE, start);
    const stop = nl < 0 ? data.length : nl;
    lines.push({ offset: floor + start, text: maskedText(all, before.length + start, before.length + stop, ranges) });
    start = stop + 1;
  }
  return { lines, begin, end, total };
}

export function grepLog(path: string, stream: StreamName, opts: GrepOptions): GrepResult {
  const { lines, begin, end, total } = windowLines(path, opts.maxBytes);
  const found: number[] = [];
  let more = false;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (!opts.matcher((lines[i] as Line).text)) continue;
    if (found.length === opts.maxMatches) { more = true; break; }
    found.push(i);
  }
  const texts = (from: number, to: number): string[] => lines.slice(Math.max(0, from), Math.max(0, to)).map((l) => l.text);
  const matches = found.reverse().map((i): GrepMatch => {
    const line = lines[i] as Line;
    const match: GrepMatch = { stream, offset: line.offset, line: line.text };
    if (opts.context > 0) {
      match.before = texts(i - opts.context, i);
      match.after = texts(i + 1, i + 1 + opts.context);
    }
    return match;
  });
  return { matches, begin, end, total, more };
}
