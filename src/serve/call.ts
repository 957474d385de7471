// One route's call of a command: the options (a JSON body, or the query turned into one) are the
// command's options in snake_case, as the MCP tools take them (library/call-options.ts
// `snakeCase`), type-checked by library/call-arguments.ts, bounded by library/bounded-call.ts,
// and run by library/call.ts with the server's root and config. The answer is the CLI's object.
import { usageError } from '../errors.js';
import { fullName } from '../command-support/command-names.js';
import type { CommandDef } from '../command-support/types.js';
import { callCommand, type CallResult } from '../library/call.js';
import { callOptions, snakeCase, type CallOption } from '../library/call-options.js';
import { checkCallArguments } from '../library/call-arguments.js';
import { boundCall, clampedFields } from '../library/bounded-call.js';
import { commands } from '../commands/index.js';

export interface CallScope {
  root: string;
  /** --config as given to the server. */
  config: string | undefined;
  maxWaitMs: number;
}

const optionTables = new Map<CommandDef, Map<string, CallOption>>();

/** The command's options by their snake_case names. */
export function optionTable(def: CommandDef): Map<string, CallOption> {
  let table = optionTables.get(def);
  if (table === undefined) optionTables.set(def, (table = new Map(callOptions(def).map((o) => [snakeCase(o), o]))));
  return table;
}

export function commandNamed(name: string): CommandDef {
  const def = commands.find((c) => fullName(c) === name);
  if (def === undefined) throw new Error(`no command ${name}`);
  return def;
}

/** `jobId`: the id from the path, which the options may not name again. */
export async function callRoute(def: CommandDef, options: Record<string, unknown>, scope: CallScope, jobId?: string): Promise<CallResult> {
  const given = checkCallArguments(def, optionTable(def), options, 'serve');
  if (jobId !== undefined) {
    for (const key of ['job_id', 'name']) if (given[key] !== undefined) throw usageError(`${key} is the job in the path; leave it out of the request`, { argument: key });
  }
  const bounded = boundCall(fullName(def), jobId !== undefined ? { ...given, job_id: jobId } : given, scope.maxWaitMs);
  const result = await callCommand(def, { ...bounded.args, root: scope.root, config: scope.config }, snakeCase);
  return clampedFields(result, bounded.clampedTo);
}
