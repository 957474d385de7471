// Checks a call's arguments (a JSON object from an MCP tool call or an HTTP request) against the
// types its command's flags announce, before they reach the command (which checks values): a
// wrong type, `root`/`config` (the server's own) or an oversized call is a usage_error naming
// the argument. Unknown names pass: the command names them (library/call-options.ts). Pure.
import { usageError } from '../errors.js';
import type { CommandDef } from '../command-support/types.js';
import type { CallOption } from './call-options.js';

/** A call's arguments, serialised, at most this long: nothing a caller means is larger. */
export const MAX_ARGUMENTS_BYTES = 1024 * 1024;

const isStringList = (v: unknown): boolean => Array.isArray(v) && v.every((w) => typeof w === 'string');

function checkType(def: CommandDef, options: ReadonlyMap<string, CallOption>, key: string, value: unknown, server: string): void {
  if (key === 'command' && def.takesCommand) {
    if (typeof value === 'string' || isStringList(value)) return;
    throw usageError('command must be a string or an array of strings', { argument: key });
  }
  if (key === 'root' || key === 'config') throw usageError(`${key} is the server's: jobctl ${server} --${key} ...`, { argument: key });
  const option = options.get(key);
  if (option === undefined) return; // the command names the unknown argument
  if (option.spec.type === 'boolean') {
    if (typeof value !== 'boolean') throw usageError(`${key} must be true or false`, { argument: key });
  } else if (option.repeatable) {
    if (typeof value !== 'string' && !isStringList(value)) throw usageError(`${key} must be a string or an array of strings`, { argument: key });
  } else if (typeof value !== 'string' && !(typeof value === 'number' && Number.isFinite(value))) {
    throw usageError(`${key} must be a string`, { argument: key });
  }
}

/**
 * `options`: the command's call options by the name the surface uses; `server`: the command
 * that runs the server (`mcp`, `serve`), named when a call tries to choose the root or config.
 */
export function checkCallArguments(def: CommandDef, options: ReadonlyMap<string, CallOption>, args: unknown, server: string): Record<string, unknown> {
  if (args === undefined) return {};
  if (args === null || typeof args !== 'object' || Array.isArray(args)) throw usageError('the arguments must be an object');
  if (JSON.stringify(args).length > MAX_ARGUMENTS_BYTES) throw usageError(`the arguments are larger than ${MAX_ARGUMENTS_BYTES} bytes`);
  const given = args as Record<string, unknown>;
  for (const [key, value] of Object.entries(given)) if (value !== undefined) checkType(def, options, key, value, server);
  return given;
}
