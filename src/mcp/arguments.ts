// Checks a tool call's arguments against the types its input schema announces, before they
// reach the command (which checks values): library/call-arguments.ts with the tool's options.
// Pure.
import { checkCallArguments, MAX_ARGUMENTS_BYTES } from '../library/call-arguments.js';
import type { Tool } from './tools.js';

export { MAX_ARGUMENTS_BYTES };

export function checkArguments(tool: Tool, args: unknown): Record<string, unknown> {
  return checkCallArguments(tool.def, tool.options, args, 'mcp');
}
