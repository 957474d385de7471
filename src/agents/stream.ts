// Turns the bytes an agent CLI prints into normalised events: lines split on 0x0a (so a UTF-8
// sequence cut between reads is joined before decoding), partial lines buffered across pushes,
// a trailing \r stripped, blank lines skipped, every line capped, JSON objects handed to the
// agent's line parser and anything else kept as a `raw` excerpt. A line over the cap is read on
// with its long strings cut (LongLine), so its event (a tool's result, the final result) is not
// lost; only when that fails is it kept as a raw excerpt. Never throws on any input.
import { createClaudeParser } from './parse-claude.js';
import { createCodexParser } from './parse-codex.js';
import { createGeminiParser } from './parse-gemini.js';
import { createOpencodeParser } from './parse-opencode.js';
import { LongLine } from './parse-long-line.js';
import { cap, isObject, type JsonObject, type LineParser } from './fields.js';
import type { AgentEvent, AgentName } from './types.js';

export interface AgentStream {
  /** Events of the lines completed by this chunk. */
  push(chunk: Buffer): AgentEvent[];
  /** Events of a trailing line without a newline (the stream ended). */
  end(): AgentEvent[];
}

/** A line longer than this is not buffered further: it is read on with its long strings cut. */
export const MAX_LINE_BYTES = 4 * 1024 * 1024;
const RAW_CHARS = 1000;

const PARSERS: Record<AgentName, () => LineParser> = {
  claude: createClaudeParser,
  codex: createCodexParser,
  gemini: createGeminiParser,
  opencode: createOpencodeParser,
};

export function createAgentStream(agent: AgentName): AgentStream {
  return new LineStream(PARSERS[agent]());
}

const raw = (text: string): AgentEvent => ({ kind: 'raw', text: cap(text, RAW_CHARS) });

/** The JSON object a line holds, else undefined. */
function parseObject(line: string): JsonObject | undefined {
  try {
    const parsed: unknown = JSON.parse(line);
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

class LineStream implements AgentStream {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Set while the current line is over the cap. */
  private overlong: LongLine | undefined;

  constructor(private readonly parse: LineParser) {}

  push(chunk: Buffer): AgentEvent[] {
    const out: AgentEvent[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      this.append(chunk.subarray(start, nl));
      this.flush(out);
      start = nl + 1;
    }
    this.append(chunk.subarray(start));
    return out;
  }

  end(): AgentEvent[] {
    const out: AgentEvent[] = [];
    if (this.pendingBytes > 0 || this.overlong) this.flush(out);
    return out;
  }

  private append(part: Buffer): void {
    if (part.length === 0) return;
    if (this.overlong) {
      this.overlong.feed(part);
      return;
    }
    const total = this.pendingBytes + part.length;
    if (total > MAX_LINE_BYTES) {
      const long = new LongLine();
      for (const piece of this.pending) long.feed(piece);
      long.feed(part);
      this.overlong = long;
      this.pending = [];
      this.pendingBytes = 0;
      return;
    }
    // A copy: the caller may reuse its buffer.
    this.pending.push(Buffer.from(part));
    this.pendingBytes = total;
  }

  private flush(out: AgentEvent[]): void {
    const long = this.overlong;
    if (long) {
      this.overlong = undefined;
      const text = long.shortened();
      const parsed = text !== undefined ? parseObject(text) : undefined;
      if (parsed) {
        this.parseLine(parsed, long.headText(), out);
        return;
      }
      const suffix = ` (line of ${long.bytes} bytes cut)`;
      out.push(raw(`${cap(long.headText(), RAW_CHARS - suffix.length)}${suffix}`));
      return;
    }
    const line = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    if (line) this.handle(line, out);
  }

  private handle(bytes: Buffer, out: AgentEvent[]): void {
    let line = bytes.toString('utf8');
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.startsWith('\ufeff')) line = line.slice(1);
    if (line.trim() === '') return;
    const parsed = parseObject(line);
    if (parsed) this.parseLine(parsed, line, out);
    else out.push(raw(line));
  }

  /** The agent's events for a parsed line; `text` is kept raw if the parser fails. */
  private parseLine(parsed: JsonObject, text: string, out: AgentEvent[]): void {
    try {
      out.push(...this.parse(parsed));
    } catch {
      // A parser bug must not lose the line nor stop the stream.
      out.push(raw(text));
    }
  }
}
