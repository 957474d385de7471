// Runs one command. Well-formed invocations take the fast path (no yargs loaded); everything
// else — help, completion, malformed input — goes through yargs. Every outcome becomes exactly
// one JSON object on stdout via output.ts.
import { toJobError, usageError } from '../errors.js';
import { printError, printSuccess } from '../output.js';
import { setVerbosity } from '../log.js';
import { loadConfig, type LoadedConfig } from '../config.js';
import { resolveRoot } from '../store/root.js';
import type { CommandDef, Context } from '../commands/types.js';
import type { Args } from './args.js';
import { seedSpellings } from './command-table.js';
import { fastParse } from './fast-parse.js';

function firstString(value: unknown): string | undefined {
  if (Array.isArray(value)) throw usageError('--root/--config given more than once');
  return typeof value === 'string' ? value : undefined;
}

function makeContext(args: Args, commandWords: string[] | undefined, entry: string): Context {
  const rootFlag = firstString(args['root']);
  if (rootFlag === '') throw usageError('--root must not be empty');
  const configFlag = firstString(args['config']);
  let loaded: LoadedConfig | undefined;
  return {
    root: resolveRoot(rootFlag),
    configFlag,
    commandWords,
    entry,
    config: () => (loaded ??= loadConfig(configFlag)),
  };
}

/** Runs a parsed command and prints its result. */
export async function execute(def: CommandDef, args: Args, commandWords: string[] | undefined, entry: string): Promise<void> {
  setVerbosity(typeof args['v'] === 'number' ? args['v'] : 0);
  const data = await def.handler(args, makeContext(args, commandWords, entry));
  printSuccess(def.type, data);
}

export async function main(rawArgv: string[], entry: string): Promise<void> {
  const argv = seedSpellings(rawArgv);
  const fast = fastParse(argv);
  if (fast === undefined) {
    const { parseWithYargs } = await import('./yargs-cli.js');
    return parseWithYargs(argv, entry);
  }
  try {
    await execute(fast.def, fast.args, fast.commandWords, entry);
  } catch (err) {
    printError(toJobError(err));
  }
}
