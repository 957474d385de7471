// The full yargs parser: help texts, completion, and precise usage errors for anything the fast
// parser declined. Loaded only when needed.
import yargs, { type Argv } from 'yargs';
import { JobError, toJobError, usageError } from '../errors.js';
import { printError } from '../output.js';
import { log } from '../log.js';
import { groupDescriptions } from '../commands/index.js';
import type { CommandDef } from '../command-support/types.js';
import type { Args } from '../command-support/args.js';
import { GLOBAL_OPTIONS, cliCommands, findCommand, flagTable, fullName, takesValue } from './command-table.js';
import { joinDashValues, splitCommandLine, subcommandIndex } from './split-command.js';
import { execute } from './main.js';
import { idCandidates, nameCandidates } from './complete-ids.js';
import { EXAMPLES, TOP_LEVEL_EXAMPLES } from './examples.js';
import { checkCommandWord, checkFlags, yargsOnly } from './unknown-words.js';

/** Unknown command words, flags and stray arguments, named with the nearest real word. */
function checkWords(argv: readonly string[], parseArgv: string[], def: CommandDef | undefined, valueFlags: (flag: string) => boolean): void {
  if (yargsOnly(argv)) return;
  const at = subcommandIndex(parseArgv);
  if (at === -1) return checkFlags(parseArgv, undefined, valueFlags);
  checkCommandWord(parseArgv, at);
  if (def === undefined) return;
  const tokens = [...parseArgv.slice(0, at), ...parseArgv.slice(at + (def.group ? 2 : 1))];
  checkFlags(tokens, def, valueFlags);
}

/** yargs reads `--wait=maybe` as true; a boolean flag given a value must be true or false. */
function rejectBooleanValues(argv: readonly string[], def: CommandDef | undefined): void {
  const table = flagTable(def);
  for (const token of argv) {
    if (token === '--') return;
    const m = /^--([^=]+)=(.*)$/s.exec(token);
    if (m && table.get(m[1] as string)?.spec.type === 'boolean' && !['true', 'false'].includes(m[2] as string)) {
      throw usageError(`--${m[1]} takes no value`, { flag: m[1] });
    }
  }
}

function register(y: Argv, def: CommandDef, commandWords: string[] | undefined): Argv {
  return y.command({
    command: def.command,
    aliases: def.aliases ?? [],
    describe: def.describe,
    builder: (inner: Argv) => {
      for (const [cmd, text] of EXAMPLES[fullName(def)] ?? []) inner.example(cmd, text);
      return inner.options(def.options).strict();
    },
    handler: (raw: Record<string, unknown>) => execute(def, raw as Args, commandWords),
  });
}

type CompletionFilter = (onCompleted?: (err: Error | null, list: string[] | undefined) => void) => void;

/**
 * yargs' candidates, plus job ids where the command takes one; after --name, the jobs' names
 * only. The root: `--root` on the line being completed, else one given before
 * --get-yargs-completions, else the usual default.
 */
function completeWithIds(rawArgv: readonly string[]) {
  const at = rawArgv.indexOf('--root');
  const before = at !== -1 ? rawArgv[at + 1] : rawArgv.find((t) => t.startsWith('--root='))?.slice('--root='.length);
  return (current: string, argv: Record<string, unknown>, defaults: CompletionFilter, done: (list: string[]) => void): void => {
    if (rawArgv.at(-2) === '--name') return done(nameCandidates(current, argv['root'] ?? before));
    defaults((_err, list) => {
      const words = ((argv['_'] as unknown[] | undefined) ?? []).map(String);
      const typed = words.at(-1) === current ? words.slice(0, -1) : words;
      const zsh = [process.env['SHELL'], process.env['ZSH_NAME']].some((v) => v?.includes('zsh') === true);
      done([...(list ?? []), ...idCandidates(typed, current, argv['root'] ?? before, zsh)]);
    });
  };
}

export async function parseWithYargs(argv: string[]): Promise<void> {
  let commandWords: string[] | undefined;
  let parseArgv = argv;
  const subIndex = subcommandIndex(argv);
  const def = subIndex === -1 ? undefined : findCommand(argv[subIndex], argv[subIndex + 1]);
  const valueFlags = takesValue(def);
  if (def?.takesCommand) {
    const split = splitCommandLine(argv, subIndex + 1, valueFlags);
    parseArgv = split.flags;
    commandWords = split.command;
  }
  try {
    parseArgv = joinDashValues(parseArgv, valueFlags);
    checkWords(argv, parseArgv, def, valueFlags);
    rejectBooleanValues(parseArgv, def);
    const y = yargs(parseArgv)
      .scriptName('jobctl')
      .parserConfiguration({ 'duplicate-arguments-array': true, 'strip-aliased': true, 'strip-dashed': false })
      .options(GLOBAL_OPTIONS)
      .version(false)
      .help('help')
      .alias('help', 'h')
      .completion('completion', 'print a shell completion script (completes commands, flags and job ids)', completeWithIds(argv))
      .strict()
      .demandCommand(1, 'a command is required (see jobctl --help)')
      .recommendCommands()
      .example(TOP_LEVEL_EXAMPLES)
      .wrap(null)
      .exitProcess(false)
      .fail((msg: string | undefined, err: Error | undefined) => {
        throw err ?? usageError(msg ?? 'invalid command line');
      });
    for (const cmd of cliCommands.filter((c) => !c.group)) register(y, cmd, commandWords);
    for (const group of Object.keys(groupDescriptions)) {
      const members = cliCommands.filter((c) => c.group === group);
      y.command(group, groupDescriptions[group] ?? group, (inner: Argv) => {
        for (const member of members) register(inner, member, commandWords);
        return inner.demandCommand(1, `${group}: a subcommand is required (${members.map((m) => m.command.split(' ')[0]).join(', ')})`).strict();
      });
    }
    await y.parseAsync();
  } catch (err) {
    if (!(err instanceof JobError) && (err as Error).name === 'YError') return printError(usageError((err as Error).message));
    if (!(err instanceof JobError)) log.debug((err as Error).stack ?? String(err));
    printError(toJobError(err));
  }
}
