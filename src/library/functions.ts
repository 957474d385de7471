// The library's functions: each is one command called with an options object. The table maps an
// exported name to the command it calls; the types of dist/index.d.ts are generated from it and
// from the commands' flag definitions (scripts/library-types.mjs), so they cannot drift.
import { commands } from '../commands/index.js';
import { fullName } from '../command-support/command-names.js';
import type { CommandDef } from '../command-support/types.js';
import { callCommand, type CallResult } from './call.js';
import { camelCase } from './call-options.js';

/** Exported name → the command's full name. A new command is one more line here. */
export const LIBRARY_FUNCTIONS = {
  run: 'run',
  create: 'create',
  start: 'start',
  status: 'status',
  tail: 'tail',
  wait: 'wait',
  kill: 'kill',
  list: 'list',
  logs: 'logs',
  restart: 'restart',
  tagSet: 'tag set',
  notifySet: 'notify set',
  gc: 'gc',
  deleteJob: 'delete',
  stats: 'stats',
  queue: 'queue',
  events: 'events',
  executors: 'executors',
  schema: 'schema',
  version: 'version',
  installSkill: 'install-skill',
} as const;

export type LibraryFunctionName = keyof typeof LIBRARY_FUNCTIONS;
export type LibraryFunction = (options?: Record<string, unknown>) => Promise<CallResult>;

export function commandOf(name: LibraryFunctionName): CommandDef {
  const def = commands.find((c) => fullName(c) === LIBRARY_FUNCTIONS[name]);
  if (def === undefined) throw new Error(`no command ${LIBRARY_FUNCTIONS[name]}`);
  return def;
}

export function libraryFunction(name: LibraryFunctionName): LibraryFunction {
  const def = commandOf(name);
  return (options) => callCommand(def, options, camelCase);
}
