// Typed readers for parsed flags: every malformed value becomes a JobError with a stable code.
import { usageError } from '../errors.js';

export type Args = Record<string, unknown>;

function single(args: Args, key: string): unknown {
  const value = args[key];
  if (Array.isArray(value)) throw usageError(`--${key} was given more than once`, { flag: key });
  return value;
}

export function optString(args: Args, key: string): string | undefined {
  const value = single(args, key);
  if (value === undefined) return undefined;
  if (typeof value !== 'string' && typeof value !== 'number') throw usageError(`--${key} needs a value`, { flag: key });
  const text = String(value);
  if (text.includes('\0')) throw usageError(`--${key} contains a NUL byte`, { flag: key });
  return text;
}

export function optNonEmpty(args: Args, key: string): string | undefined {
  const text = optString(args, key);
  if (text !== undefined && text.trim() === '') throw usageError(`--${key} must not be empty`, { flag: key });
  return text;
}

export function stringList(args: Args, key: string): string[] {
  const value = args[key];
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((v) => {
    if (typeof v !== 'string' && typeof v !== 'number') throw usageError(`--${key} needs a value`, { flag: key });
    const text = String(v);
    if (text.includes('\0')) throw usageError(`--${key} contains a NUL byte`, { flag: key });
    return text;
  });
}

export function optInt(args: Args, key: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const text = optString(args, key);
  if (text === undefined) return undefined;
  if (!/^-?\d{1,16}$/.test(text.trim())) throw usageError(`--${key} must be an integer`, { flag: key, value: text.slice(0, 100) });
  const n = Number(text.trim());
  if (n < min || n > max) throw usageError(`--${key} must be between ${min} and ${max}`, { flag: key, value: n });
  return n;
}

export function optBool(args: Args, key: string): boolean {
  const value = single(args, key);
  if (value === undefined || value === false) return false;
  if (value === true) return true;
  throw usageError(`--${key} takes no value`, { flag: key });
}

export function oneOf<T extends string>(args: Args, key: string, allowed: readonly T[]): T | undefined {
  const text = optString(args, key);
  if (text === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(text)) {
    throw usageError(`--${key} must be one of ${allowed.join(', ')}`, { flag: key, value: text.slice(0, 100) });
  }
  return text as T;
}

/** The job id from the positional or --task-id (the seed-compatible spelling). */
export function jobIdArg(args: Args): string {
  const positional = optString(args, 'id');
  const flag = optString(args, 'task-id');
  if (positional !== undefined && flag !== undefined && positional !== flag) {
    throw usageError('give the job id once: positionally or with --task-id');
  }
  const id = positional ?? flag;
  if (id === undefined || id === '') throw usageError('a job id (or --name NAME) is required');
  return id;
}
