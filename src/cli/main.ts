// Runs one command. Well-formed invocations take the fast path (no yargs loaded); everything
// else — help, completion, malformed input — goes through yargs. Every outcome becomes exactly
// one JSON object on stdout via output.ts.
import { toJobError, usageError } from '../errors.js';
import { printError, printSuccess, STREAMED } from '../output.js';
import { setVerbosity, log } from '../log.js';
import { invokeCommand } from '../command-support/context.js';
import type { CommandDef } from '../command-support/types.js';
import type { Args } from '../command-support/args.js';
import { seedSpellings } from './command-table.js';
import { fastParse } from './fast-parse.js';
import { InterruptHandling } from './interrupt.js';

function firstString(value: unknown): string | undefined {
  if (Array.isArray(value)) throw usageError('--root/--config given more than once');
  return typeof value === 'string' ? value : undefined;
}

/** Runs a parsed command and prints its result. */
export async function execute(def: CommandDef, args: Args, commandWords: string[] | undefined): Promise<void> {
  setVerbosity(typeof args['v'] === 'number' ? args['v'] : 0);
  const interrupt = new InterruptHandling(def.type);
  try {
    const input = { root: firstString(args['root']), config: firstString(args['config']), commandWords, interrupt };
    const { data, warnings } = await invokeCommand(def, args, input);
    // A streaming form (NDJSON) has printed its lines itself: its warnings go to stderr.
    if (data !== STREAMED) printSuccess(def.type, data, warnings);
    else warnings.forEach((w) => log.warn(w));
  } finally {
    interrupt.uninstall();
  }
}

export async function main(rawArgv: string[]): Promise<void> {
  const argv = seedSpellings(rawArgv);
  const fast = fastParse(argv);
  if (fast === undefined) {
    const { parseWithYargs } = await import('./yargs-cli.js');
    return parseWithYargs(argv);
  }
  try {
    await execute(fast.def, fast.args, fast.commandWords);
  } catch (err) {
    log.debug((err as Error)?.stack ?? String(err));
    printError(toJobError(err));
  }
}
