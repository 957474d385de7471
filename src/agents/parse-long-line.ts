// A line over the stream's cap is not kept whole, yet what matters in it is small: such a line is
// almost always one JSON object carrying one or two huge strings (a tool's output, a result
// text) around the fields that say what happened (type, ids, is_error, exit_code, num_turns...).
// LongLine reads the line as it comes and keeps a copy with every string value cut to its first
// STRING_BYTES bytes (the cut marked in the string itself), so the copy parses into the same
// object with only its long texts shortened, wherever the small fields are in the line.
// Memory stays bounded (KEEP_BYTES at most, plus the head kept for a raw excerpt); a line that
// does not start as a JSON object, or whose copy would not fit, is given up. Never throws.

/** Bytes of a string value kept before the cut (never inside an escape or a UTF-8 sequence). */
const STRING_BYTES = 4096;
/** At most this much of the shortened copy is kept; past it the line is given up. */
const KEEP_BYTES = 1024 * 1024;
/** The first bytes of the line, kept as they are for a raw excerpt. */
const HEAD_BYTES = 4096;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const isSpace = (b: number): boolean => b === 0x20 || b === 0x09 || b === 0x0d;
/** A UTF-8 byte order mark is skipped before the first `{`. */
const isBom = (b: number): boolean => b === 0xef || b === 0xbb || b === 0xbf;

export class LongLine {
  /** Bytes of the line so far. */
  bytes = 0;
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private kept: Buffer[] = [];
  private keptBytes = 0;
  private givenUp = false;
  private started = false;
  private inString = false;
  private escaped = false;
  /** Hex digits still due after `\u`. */
  private hexLeft = 0;
  /** Bytes of the current string kept, and dropped once it is cut. */
  private stringBytes = 0;
  private dropped = 0;
  private dropping = false;

  /** Reads the next part of the line (no newline in it). */
  feed(part: Buffer): void {
    this.bytes += part.length;
    if (this.headBytes < HEAD_BYTES) {
      const piece = Buffer.from(part.subarray(0, HEAD_BYTES - this.headBytes));
      this.head.push(piece);
      this.headBytes += piece.length;
    }
    if (!this.givenUp) this.scan(part);
  }

  /** The first bytes of the line, decoded. */
  headText(): string {
    return Buffer.concat(this.head).toString('utf8');
  }

  /** The line with its long strings cut, or undefined when it could not be kept. */
  shortened(): string | undefined {
    if (this.givenUp || this.inString || !this.started) return undefined;
    return Buffer.concat(this.kept).toString('utf8');
  }

  private keep(bytes: Buffer): void {
    if (bytes.length === 0 || this.givenUp) return;
    this.keptBytes += bytes.length;
    if (this.keptBytes > KEEP_BYTES) {
      this.giveUp();
      return;
    }
    this.kept.push(Buffer.from(bytes));
  }

  private giveUp(): void {
    this.givenUp = true;
    this.kept = [];
    this.keptBytes = 0;
  }

  private scan(part: Buffer): void {
    let i = 0;
    if (!this.started) {
      while (i < part.length && (isSpace(part[i] ?? 0) || isBom(part[i] ?? 0))) i += 1;
      if (i === part.length) return;
      if (part[i] !== 0x7b) {
        this.giveUp();
        return;
      }
      this.started = true;
    }
    let from = i; // start of the bytes to keep
    let quoteAt = -1;
    let slashAt = -1;
    while (i < part.length && !this.givenUp) {
      if (!this.inString) {
        const quote = part.indexOf(QUOTE, i);
        if (quote === -1) break;
        i = quote + 1;
        this.inString = true;
        this.stringBytes = 0;
        continue;
      }
      const plain = !this.escaped && this.hexLeft === 0;
      if (this.dropping && plain) {
        // Nothing but a quote or a backslash matters in a cut string: skip to the next one.
        let next = i;
        const stop = Math.min(part.length, i + 64);
        while (next < stop && part[next] !== QUOTE && part[next] !== BACKSLASH) next += 1;
        if (next === stop && stop < part.length) {
          // A long plain run: memchr finds the next one (each found again only once passed).
          if (quoteAt < next) quoteAt = part.indexOf(QUOTE, next) >>> 0;
          if (slashAt < next) slashAt = part.indexOf(BACKSLASH, next) >>> 0;
          next = Math.min(quoteAt, slashAt, part.length);
        }
        this.dropped += next - i;
        i = next;
        if (i === part.length) break;
      }
      const b = part[i] ?? 0;
      if (plain && b === QUOTE) {
        if (this.dropping) {
          this.keep(Buffer.from(`… (${this.dropped} bytes cut)`));
          this.dropping = false;
          from = i;
        }
        this.inString = false;
        i += 1;
        continue;
      }
      if (!this.dropping && plain && this.stringBytes >= STRING_BYTES && (b & 0xc0) !== 0x80) {
        this.keep(part.subarray(from, i));
        this.dropping = true;
        this.dropped = 0;
      }
      if (this.hexLeft > 0) this.hexLeft -= 1;
      else if (this.escaped) {
        this.escaped = false;
        if (b === 0x75) this.hexLeft = 4;
      } else if (b === BACKSLASH) this.escaped = true;
      if (this.dropping) this.dropped += 1;
      else this.stringBytes += 1;
      i += 1;
    }
    if (!this.dropping && !this.givenUp) this.keep(part.subarray(from));
  }
}
