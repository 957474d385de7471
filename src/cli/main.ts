// Runs one command. Well-formed invocations take the fast path (no yargs loaded); everything
// else — help, completion, malformed input — goes through yargs. Every outcome becomes exactly
// one JSON object on stdout via output.ts.
import { toJobError, usageError } from '../errors.js';
import { printError, printSuccess, STREAMED } from '../output.js';
import { setVerbosity, log } from '../log.js';
import { loadConfig, type LoadedConfig } from '../config.js';
import { resolveRoot, resolveConfigPath } from '../store/root.js';
import { ensureRoot } from '../store/jobs.js';
import { supervisorActions } from '../supervisor/start.js';
import type { CommandDef, Context } from '../command-support/types.js';
import type { Args } from '../command-support/args.js';
import { seedSpellings } from './command-table.js';
import { fastParse } from './fast-parse.js';

function firstString(value: unknown): string | undefined {
  if (Array.isArray(value)) throw usageError('--root/--config given more than once');
  return typeof value === 'string' ? value : undefined;
}

function makeContext(args: Args, commandWords: string[] | undefined, warnings: string[]): Context {
  const rootFlag = firstString(args['root']);
  if (rootFlag === '') throw usageError('--root must not be empty');
  const configFlag = firstString(args['config']);
  let loaded: LoadedConfig | undefined;
  const supervisorConfig = (): string | undefined => {
    const location = resolveConfigPath(configFlag);
    return location.source === 'default' ? undefined : location.path;
  };
  return {
    root: resolveRoot(rootFlag),
    configFlag,
    commandWords,
    config: () => (loaded ??= loadConfig(configFlag)),
    // The supervisor reads the same config file; the default location needs no argument.
    supervisorConfig,
    actions: supervisorActions(supervisorConfig),
    warn: (message) => {
      if (!warnings.includes(message)) warnings.push(message);
    },
  };
}

/** Runs a parsed command and prints its result. */
export async function execute(def: CommandDef, args: Args, commandWords: string[] | undefined): Promise<void> {
  setVerbosity(typeof args['v'] === 'number' ? args['v'] : 0);
  const warnings: string[] = [];
  const ctx = makeContext(args, commandWords, warnings);
  if (def.usesRoot !== false) {
    ensureRoot(ctx.root);
    // Whoever reads the store starts the waiting jobs whose turn came (what a crash left included).
    await ctx.actions.startWaiting?.(ctx.root);
  }
  const data = await def.handler(args, ctx);
  // A streaming form (NDJSON) has printed its lines itself: its warnings go to stderr.
  if (data !== STREAMED) printSuccess(def.type, data, warnings);
  else warnings.forEach((w) => log.warn(w));
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
