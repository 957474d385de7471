// The lines of `submit FILE|-`: NDJSON, one job per line — the options of run/create in
// snake_case (`cwd`, `env` as an object or a K=V list, `timeout`, `tags`/`tag`, `queue`,
// `after`, ...) plus `command` (a shell string, or an argv array) and optional `create_only`.
// Each line becomes the Args a `run`/`create` call would have parsed, and goes through the same
// buildDefinition (job-definition.ts): one implementation of what a job definition is.
// Invariants: every line is read and its definition built before any job is created; a bad
// line is a usage_error naming it (details.line, 1-based); a line is at most MAX_LINE_BYTES.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { JobError, usageError } from '../errors.js';
import type { Options } from 'yargs';
import type { Args } from './args.js';
import { buildDefinition, type Definition } from './job-definition.js';
import type { Context } from './types.js';
import { STDIN_CONTENT_ARG } from './stdin-options.js';

/** One line longer than this is refused before it is parsed. */
export const MAX_LINE_BYTES = 1024 * 1024;
/** The whole input at most (a file of 10,000 ordinary jobs is a few MB). */
const MAX_INPUT_BYTES = 512 * 1024 * 1024;

export interface SubmittedLine {
  line: number;
  definition: Definition;
  createOnly: boolean;
}

/** Reads FILE (or stdin for `-`) as NDJSON lines, skipping blank ones; [line number, text]. */
export function readLines(source: string): [number, string][] {
  let buf: Buffer;
  try {
    buf = readFileSync(source === '-' ? 0 : resolve(source));
  } catch (err) {
    throw usageError(`cannot read ${source === '-' ? 'stdin' : source}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { file: source });
  }
  if (buf.length > MAX_INPUT_BYTES) throw usageError(`the input is larger than ${MAX_INPUT_BYTES} bytes`, { file: source });
  const out: [number, string][] = [];
  let start = 0;
  for (let n = 1; start <= buf.length; n++) {
    let end = buf.indexOf(10, start);
    if (end === -1) end = buf.length;
    if (end - start > MAX_LINE_BYTES) throw usageError(`line ${n} is longer than ${MAX_LINE_BYTES} bytes`, { line: n });
    const text = buf.toString('utf8', start, end).trim();
    if (text !== '') out.push([n, text]);
    start = end + 1;
  }
  if (out.length === 0) throw usageError('no job in the input: one JSON object per line', { file: source });
  return out;
}

/** snake_case keys of a job line → the Args of run/create; unknown keys are refused. */
function lineArgs(obj: Record<string, unknown>, options: Record<string, Options>): { args: Args; words: string[] | undefined; createOnly: boolean } {
  const args: Args = {};
  let words: string[] | undefined;
  let createOnly = false;
  for (const [key, value] of Object.entries(obj)) {
    if (key === 'command') {
      if (typeof value === 'string') args['cmd'] = value;
      else if (Array.isArray(value) && value.length > 0 && value.every((w) => typeof w === 'string')) words = value;
      else throw usageError('command must be a string or a non-empty array of strings', { field: 'command' });
      continue;
    }
    if (key === 'create_only') {
      if (typeof value !== 'boolean') throw usageError('create_only must be true or false', { field: key });
      createOnly = value;
      continue;
    }
    // A line's `stdin` is the job's input itself: the input of submit is the job file.
    if (key === 'stdin') {
      if (typeof value !== 'string') throw usageError('stdin must be the job\'s input as a string', { field: key });
      args[STDIN_CONTENT_ARG] = Buffer.from(value);
      continue;
    }
    // `tags`/`labels` read as the repeatable --tag/--label.
    const flag = key === 'tags' ? 'tag' : key === 'labels' ? 'label' : key.replace(/_/g, '-');
    const spec = options[flag];
    if (spec === undefined || key.includes('-') || (flag === 'prompt-file' || flag === 'stdin-file') && value === '-') throw usageError(`unknown field ${JSON.stringify(key.slice(0, 100))}`, { field: key.slice(0, 100) });
    args[flag] = flagValue(key, flag, value, spec);
  }
  return { args, words, createOnly };
}

function flagValue(key: string, flag: string, value: unknown, spec: Options): unknown {
  if (spec.type === 'boolean') {
    if (typeof value !== 'boolean') throw usageError(`${key} must be true or false`, { field: key });
    return value;
  }
  // `env` may be an object of names and values.
  if (flag === 'env' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return Object.entries(value).map(([k, v]) => {
      if (typeof v !== 'string' && typeof v !== 'number') throw usageError(`env.${k} must be a string`, { field: key });
      return `${k}=${String(v)}`;
    });
  }
  const one = (v: unknown): string => {
    if (typeof v !== 'string' && typeof v !== 'number') throw usageError(`${key} must be a string${Array.isArray(value) ? ' or a list of strings' : ''}`, { field: key });
    return String(v);
  };
  return Array.isArray(value) ? value.map(one) : one(value);
}

/** Every line's definition, built as run/create would, before anything is created. */
export function buildLines(lines: [number, string][], options: Record<string, Options>, ctx: Context): SubmittedLine[] {
  return lines.map(([line, text]) => {
    try {
      let obj: unknown;
      try {
        obj = JSON.parse(text);
      } catch (err) {
        throw usageError(`not JSON: ${(err as Error).message}`);
      }
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw usageError('each line must be a JSON object');
      const { args, words, createOnly } = lineArgs(obj as Record<string, unknown>, options);
      return { line, definition: buildDefinition(args, { ...ctx, commandWords: words, commandIsArgv: words !== undefined }), createOnly };
    } catch (err) {
      if (!(err instanceof JobError)) throw err;
      throw usageError(`line ${line}: ${err.message}`, { ...err.details, line, ...(err.code !== 'usage_error' ? { cause: err.code } : {}) });
    }
  });
}
