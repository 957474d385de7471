// The only module that writes to stdout. Every invocation prints exactly one JSON object on
// one line (streaming forms excepted) and sets the exit code: 0 success, 1 runtime, 2 usage.
// node:fs only to write stdout (descriptor 1) synchronously.
import { writeSync } from 'node:fs';
import type { JobError } from './errors.js';

export const SCHEMA_VERSION = '1';

/** Secret values registered by commands that load masked jobs; redacted from every output. */
const secrets = new Set<string>();

export function registerSecret(value: string): void {
  if (value.length > 0) secrets.add(value);
}

/** The secret values registered so far (window-redaction.ts finds them by bytes). */
export function knownSecrets(): readonly string[] {
  return [...secrets];
}

export function redact(text: string): string {
  let out = text;
  // Longest first: a secret that contains a shorter one is replaced whole.
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) out = out.split(s).join('***');
  return out;
}

/** Fields jobctl generates or that name places (times, ids, paths, enums): never redacted. */
const STRUCTURAL_KEY =
  /(_at|_id|_path|_file|_reason|_source)$|^(state|type|schema_version|encoding|executor|sink|stream|match_type|root|cwd|file|code|signal|action|reason|source|older_than)$/;

/**
 * Redacts inside string values only — numbers, booleans and keys stay as they are, so the JSON
 * stays valid — and not in structural fields, so that a short secret such as "0" cannot mangle
 * a timestamp.
 */
export function redactDeep(value: unknown, key = ''): unknown {
  if (typeof value === 'string') return STRUCTURAL_KEY.test(key) ? value : redact(value);
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, key));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, k)]));
  }
  return value;
}

/**
 * True once the call's one answer is printed (a success, an error, or a stream's end line): an
 * interrupt arriving after it adds nothing.
 */
let answered = false;

export function hasAnswered(): boolean {
  return answered;
}

/** An answer as it leaves jobctl: the registered secrets redacted. */
export function redactOutput<T>(obj: T): T {
  return secrets.size > 0 ? (redactDeep(obj) as T) : obj;
}

/** False when stdout is gone (EPIPE): a streaming command should stop. */
function writeLine(obj: unknown): boolean {
  const line = JSON.stringify(redactOutput(obj)) + '\n';
  const buf = Buffer.from(line);
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(1, buf, off, buf.length - off);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      if ((err as NodeJS.ErrnoException).code === 'EPIPE') return false;
      throw err;
    }
  }
  return true;
}

/**
 * `warnings`: about valid but risky input; a top-level array, omitted when empty. A command whose
 * answer has warnings of its own (config import) keeps them, followed by these.
 */
export function successEnvelope(type: string, data: Record<string, unknown>, warnings: readonly string[] = []): Record<string, unknown> {
  const own = Array.isArray(data['warnings']) ? (data['warnings'] as unknown[]) : undefined;
  const all = own !== undefined ? [...own, ...warnings] : warnings;
  return { schema_version: SCHEMA_VERSION, ok: true, type, ...data, ...(own !== undefined || all.length > 0 ? { warnings: [...all] } : {}) };
}

export function printSuccess(type: string, data: Record<string, unknown>, warnings: readonly string[] = []): void {
  answered = true;
  writeLine(successEnvelope(type, data, warnings));
  process.exitCode = 0;
}

/**
 * What a streaming handler returns once it has printed its own NDJSON lines: main.ts then
 * prints nothing more.
 */
export const STREAMED: Record<string, unknown> = Object.freeze({});

/** One NDJSON line of a streaming form (`--follow`); false once stdout is closed. */
export function printStreamLine(type: string, data: Record<string, unknown>): boolean {
  process.exitCode = 0;
  return writeLine({ schema_version: SCHEMA_VERSION, ok: true, type, ...data });
}

/** The last NDJSON line of a streaming form (`logs_end`, `activity_end`): its answer is complete. */
export function printStreamEnd(type: string, data: Record<string, unknown>): boolean {
  answered = true;
  return printStreamLine(type, data);
}

/**
 * How many characters at the end of `text` could be the start of a secret: a streaming command
 * holds them back until more text arrives, so that a secret split across two reads is still
 * redacted whole.
 */
export function secretPrefixLength(text: string): number {
  let hold = 0;
  for (const s of secrets) {
    for (let k = Math.min(s.length - 1, text.length); k > hold; k--) {
      if (text.endsWith(s.slice(0, k))) { hold = k; break; }
    }
  }
  return hold;
}

export function errorEnvelope(err: JobError): Record<string, unknown> {
  const error: Record<string, unknown> = { code: err.code, message: err.message, retryable: err.retryable };
  if (err.details !== undefined) error['details'] = err.details;
  return { schema_version: SCHEMA_VERSION, ok: false, type: 'error', error };
}

export function printError(err: JobError): void {
  answered = true;
  writeLine(errorEnvelope(err));
  process.exitCode = err.exitCode;
}
