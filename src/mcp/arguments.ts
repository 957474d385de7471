// Checks a tool call's arguments against the types its input schema announces, before they
// reach the command (which checks values): a wrong type, an unknown argument or an oversized
// call is a usage_error naming the argument. Pure.
import { usageError } from '../errors.js';
import type { Tool } from './tools.js';

/** A tool call's arguments, serialised, at most this long: nothing an agent means is larger. */
export const MAX_ARGUMENTS_BYTES = 1024 * 1024;

const isStringList = (v: unknown): boolean => Array.isArray(v) && v.every((w) => typeof w === 'string');

function checkType(tool: Tool, key: string, value: unknown): void {
  if (key === 'command' && tool.def.takesCommand) {
    if (typeof value === 'string' || isStringList(value)) return;
    throw usageError('command must be a string or an array of strings', { argument: key });
  }
  if (key === 'root' || key === 'config') throw usageError(`${key} is the server's: jobctl mcp --${key} ...`, { argument: key });
  const option = tool.options.get(key);
  if (option === undefined) return; // the command names the unknown argument
  if (option.spec.type === 'boolean') {
    if (typeof value !== 'boolean') throw usageError(`${key} must be true or false`, { argument: key });
  } else if (option.repeatable) {
    if (typeof value !== 'string' && !isStringList(value)) throw usageError(`${key} must be a string or an array of strings`, { argument: key });
  } else if (typeof value !== 'string' && !(typeof value === 'number' && Number.isFinite(value))) {
    throw usageError(`${key} must be a string`, { argument: key });
  }
}

export function checkArguments(tool: Tool, args: unknown): Record<string, unknown> {
  if (args === undefined) return {};
  if (args === null || typeof args !== 'object' || Array.isArray(args)) throw usageError('the arguments must be an object');
  if (JSON.stringify(args).length > MAX_ARGUMENTS_BYTES) throw usageError(`the arguments are larger than ${MAX_ARGUMENTS_BYTES} bytes`);
  const given = args as Record<string, unknown>;
  for (const [key, value] of Object.entries(given)) if (value !== undefined) checkType(tool, key, value);
  return given;
}
