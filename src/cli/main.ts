// Parses the command line with yargs and runs one command. Every outcome — success, runtime
// error, usage error — becomes exactly one JSON object on stdout via output.ts.
import yargs, { type Argv, type Options } from 'yargs';
import { JobError, toJobError, usageError } from '../errors.js';
import { printError, printSuccess } from '../output.js';
import { setVerbosity, log } from '../log.js';
import { loadConfig, type LoadedConfig } from '../config.js';
import { resolveRoot } from '../store/root.js';
import { commands, groupDescriptions } from '../commands/index.js';
import type { CommandDef, Context } from '../commands/types.js';
import type { Args } from './args.js';
import { joinDashValues, splitCommandLine, subcommandIndex } from './split-command.js';

const GLOBAL_OPTIONS: Record<string, Options> = {
  root: { type: 'string', global: true, describe: 'job store root (default $JOBCTL_ROOT, else the data dir)' },
  config: { type: 'string', global: true, describe: 'config.toml path (default $JOBCTL_CONFIG, else the config dir)' },
  v: { type: 'count', global: true, describe: 'more diagnostics on stderr (-vv for debug)' },
};

function findCommand(word: string, next: string | undefined): CommandDef | undefined {
  const name = (c: CommandDef) => c.command.split(' ')[0];
  if (word in groupDescriptions) return commands.find((c) => c.group === word && name(c) === next);
  return commands.find((c) => !c.group && (name(c) === word || (c.aliases ?? []).includes(word)));
}

function takesValue(def: CommandDef | undefined): (flag: string) => boolean {
  const names = new Map<string, Options>();
  for (const [name, opt] of Object.entries({ ...GLOBAL_OPTIONS, ...(def?.options ?? {}) })) {
    names.set(name, opt);
    const aliases: string[] = opt.alias === undefined ? [] : Array.isArray(opt.alias) ? (opt.alias as string[]) : [opt.alias as string];
    for (const a of aliases) names.set(a, opt);
  }
  return (flag) => {
    const opt = names.get(flag);
    return opt !== undefined && opt.type !== 'boolean' && opt.type !== 'count';
  };
}

/** yargs reads `--wait=maybe` as true; a boolean flag given a value must be true or false. */
function rejectBooleanValues(argv: readonly string[]): void {
  for (const token of argv) {
    if (token === '--') return;
    const m = /^--([^=]+)=(.*)$/s.exec(token);
    if (m && !takesValue(undefined)(m[1] as string) && !['true', 'false'].includes(m[2] as string)) {
      const known = commands.some((c) => c.options[m[1] as string]?.type === 'boolean');
      if (known) throw usageError(`--${m[1]} takes no value`, { flag: m[1] });
    }
  }
}

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

function register(y: Argv, def: CommandDef, commandWords: string[] | undefined, entry: string): Argv {
  return y.command({
    command: def.command,
    aliases: def.aliases ?? [],
    describe: def.describe,
    builder: (inner: Argv) => inner.options(def.options).strict(),
    handler: async (raw: Record<string, unknown>) => {
      const args = raw as Args;
      setVerbosity(typeof args['v'] === 'number' ? args['v'] : 0);
      const ctx = makeContext(args, commandWords, entry);
      const data = await def.handler(args, ctx);
      printSuccess(def.type, data);
    },
  });
}

/** `config --init` is the seed's spelling of `config init`. */
function seedSpellings(argv: string[]): string[] {
  const at = subcommandIndex(argv);
  if (argv[at] !== 'config' || argv[at + 1] !== '--init') return argv;
  return [...argv.slice(0, at + 1), 'init', ...argv.slice(at + 2)];
}

export async function main(rawArgv: string[], entry: string): Promise<void> {
  const argv = seedSpellings(rawArgv);
  let commandWords: string[] | undefined;
  let parseArgv = argv;
  const subIndex = subcommandIndex(argv);
  const def = subIndex === -1 ? undefined : findCommand(argv[subIndex] as string, argv[subIndex + 1]);
  const valueFlags = takesValue(def);
  if (def?.takesCommand) {
    const split = splitCommandLine(argv, subIndex + 1, valueFlags);
    parseArgv = split.flags;
    commandWords = split.command;
  }
  parseArgv = joinDashValues(parseArgv, valueFlags);
  rejectBooleanValues(parseArgv);

  const y = yargs(parseArgv)
    .scriptName('jobctl')
    .parserConfiguration({ 'duplicate-arguments-array': true, 'strip-aliased': true, 'strip-dashed': false })
    .options(GLOBAL_OPTIONS)
    .version(false)
    .help('help')
    .alias('help', 'h')
    .completion('completion', 'print a shell completion script')
    .strict()
    .demandCommand(1, 'a command is required (see jobctl --help)')
    .recommendCommands()
    .wrap(null)
    .exitProcess(false)
    .fail((msg: string | undefined, err: Error | undefined) => {
      throw err ?? usageError(msg ?? 'invalid command line');
    });

  for (const def of commands.filter((c) => !c.group)) register(y, def, commandWords, entry);
  for (const group of Object.keys(groupDescriptions)) {
    const members = commands.filter((c) => c.group === group);
    y.command(group, groupDescriptions[group] ?? group, (inner: Argv) => {
      for (const def of members) register(inner, def, commandWords, entry);
      return inner.demandCommand(1, `${group}: a subcommand is required (${members.map((m) => m.command.split(' ')[0]).join(', ')})`).strict();
    });
  }

  try {
    await y.parseAsync();
  } catch (err) {
    const jobErr = toJobError(err);
    if (!(err instanceof JobError) && jobErr.code === 'internal_error') {
      // yargs validation errors (unknown flag, missing argument) are usage errors.
      const name = (err as Error).name;
      if (name === 'YError') return printError(usageError((err as Error).message));
      log.debug((err as Error).stack ?? String(err));
    }
    printError(jobErr);
  }
}
