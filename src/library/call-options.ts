// The options a call of a command takes when it does not come from argv (the library: camelCase,
// the MCP tools: snake_case), read from the command's own flag definitions so that every surface
// accepts exactly the CLI's options. Forms that stream NDJSON to stdout are left out. Pure.
import type { Options } from 'yargs';
import { usageError } from '../errors.js';
import { nearest } from '../util/suggest.js';
import { positionalNames } from '../command-support/command-names.js';
import type { CommandDef } from '../command-support/types.js';
import type { Args } from '../command-support/args.js';
import { STDIN_CONTENT_ARG } from '../command-support/stdin-options.js';

/** Flags that print NDJSON lines themselves: no surface without a stdout of its own takes them. */
const STREAMING_FLAGS: Record<string, readonly string[]> = { list: ['jsonl'], logs: ['follow'], events: ['follow'] };
/** The seed's spelling of the id (`--task-id`): calls name the id once. */
const SKIPPED_FLAGS = new Set(['task-id']);
/**
 * On the CLI `--stdin` reads jobctl's own standard input; a call has none of its own (the MCP
 * server's stdin is the protocol), so there `stdin` is the content itself: a string or bytes.
 */
const STDIN_CONTENT: Options = { type: 'string', describe: 'what the job reads on its stdin (a string or bytes, 64 MiB at most)' };
/** File flags whose `-` means jobctl's own stdin: a call names a real file (or gives the content). */
const FILE_FLAGS = new Set(['stdin-file', 'prompt-file']);

export interface CallOption {
  /** The CLI flag (`snapshot-after`) or positional (`id`) it stands for. */
  flag: string;
  spec: Options;
  positional: boolean;
  /** The flag may be given more than once (a list). */
  repeatable: boolean;
}

/** A naming style: the key a call uses for a flag. */
export type Naming = (option: CallOption) => string;

export const camelCase: Naming = (o) => o.flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** The surfaces that speak JSON (MCP tools, HTTP bodies and queries): the positional id is `job_id`, `--tag` is `tags`. */
export const snakeCase: Naming = (o) => (o.positional && o.flag === 'id' ? 'job_id' : o.flag === 'tag' ? 'tags' : o.flag.replace(/-/g, '_'));

export function callOptions(def: CommandDef): CallOption[] {
  const skip = new Set([...(STREAMING_FLAGS[def.type] ?? []), ...SKIPPED_FLAGS]);
  // A last positional `[more..]` (wait, kill: several jobs) is no option of its own: the id
  // before it takes a list instead, its first item the id and the rest the more.
  const names = positionalNames(def);
  const variadic = variadicPositional(def);
  const positionals = names
    .filter((flag) => !flag.endsWith('..'))
    .map((flag, i, kept): CallOption => ({ flag, spec: { type: 'string' }, positional: true, repeatable: variadic !== undefined && i === kept.length - 1 }));
  const flags = Object.entries(def.options)
    .filter(([flag]) => !skip.has(flag))
    .map(([flag, spec]): CallOption => ({ flag, spec: flag === 'stdin' ? STDIN_CONTENT : spec, positional: false, repeatable: /\brepeatable\b/.test(spec.describe ?? '') }));
  return [...positionals, ...flags];
}

/** The name of a command's last positional when it takes any number of words (`[more..]`). */
export function variadicPositional(def: CommandDef): string | undefined {
  const last = def.command.split(' ').slice(1).pop();
  return last !== undefined && /\.\.[\]>]$/.test(last) ? last.replace(/^[[<]|\.\.[\]>]$/g, '') : undefined;
}

export interface CallInput {
  args: Args;
  commandWords: string[] | undefined;
  /** `command` was an array: an argv, one word included. */
  commandIsArgv: boolean;
  root: string | undefined;
  config: string | undefined;
}

function optionalString(value: unknown, key: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw usageError(`${key} must be a string`, { option: key });
  return value;
}

/** `command`: a shell command line (string) or an argv array (run without a shell, one word included). */
function commandWords(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.length > 0 && value.every((w): w is string => typeof w === 'string')) return value;
  throw usageError('command must be a string or a non-empty array of strings', { option: 'command' });
}

function stdinContent(value: unknown, key: string): Buffer {
  if (typeof value === 'string') return Buffer.from(value);
  if (value instanceof Uint8Array) return Buffer.from(value);
  throw usageError(`${key} must be the job's input as a string (or bytes)`, { option: key });
}

/**
 * Translates a call's options object into the Args a handler reads. An unknown key is a
 * usage_error naming the nearest known one; values are left to the handler's own validation.
 */
export function toCallInput(def: CommandDef, given: Record<string, unknown>, naming: Naming): CallInput {
  if (given === null || typeof given !== 'object' || Array.isArray(given)) throw usageError('the options must be an object');
  const table = new Map(callOptions(def).map((o) => [naming(o), o]));
  const special = ['root', 'config', ...(def.takesCommand ? ['command'] : [])];
  const args: Args = {};
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined || special.includes(key)) continue;
    const option = table.get(key);
    if (option === undefined) {
      if ((STREAMING_FLAGS[def.type] ?? []).some((flag) => naming({ flag, spec: {}, positional: false, repeatable: false }) === key)) {
        throw usageError(`unknown option ${key}: it streams NDJSON on the CLI's stdout and is not offered to a call${def.type === 'events' ? '; call events again with after = next_cursor' : ''}`, { option: key });
      }
      const near = nearest(key, [...table.keys(), ...special]);
      throw usageError(`unknown option ${key}${near !== undefined ? `; did you mean ${near}?` : ''}`, { option: key, ...(near !== undefined ? { suggestion: near } : {}) });
    }
    if (FILE_FLAGS.has(option.flag) && value === '-') throw usageError(`${key} - would read the caller's own standard input; name a file${option.flag === 'stdin-file' ? ' or give the content as stdin' : ' or give the text as prompt'}`, { option: key });
    if (option.flag === 'stdin') args[STDIN_CONTENT_ARG] = stdinContent(value, key);
    else if (option.positional && option.repeatable && Array.isArray(value)) {
      // Several ids: the first is the id, the rest the command's `[more..]`.
      args[option.flag] = value[0];
      args[variadicPositional(def) as string] = value.slice(1);
    } else args[option.flag] = value;
  }
  return {
    args,
    commandWords: commandWords(given['command']),
    commandIsArgv: Array.isArray(given['command']),
    root: optionalString(given['root'], 'root'),
    config: optionalString(given['config'], 'config'),
  };
}
