// Lookup of subcommands and their flags, shared by the fast parser and the yargs parser.
import type { Options } from 'yargs';
import { commands, groupDescriptions } from '../commands/index.js';
import { mcpCommand } from './mcp-command.js';
import { serveCommand } from './serve-command.js';
import { runnerCommand } from './runner-command.js';
import type { CommandDef } from '../command-support/types.js';
import { subcommandIndex } from './split-command.js';
import { commandName, fullName, positionalNames } from '../command-support/command-names.js';

export const GLOBAL_OPTIONS: Record<string, Options> = {
  root: { type: 'string', global: true, describe: 'job store root (default $JOBCTL_ROOT, else the data dir)' },
  config: { type: 'string', global: true, describe: 'config.toml path (default $JOBCTL_CONFIG, else the config dir)' },
  v: { type: 'count', global: true, describe: 'more diagnostics on stderr (-vv for debug)' },
};

export { commandName, fullName, positionalNames };

/** Every command of the CLI: the commands, the servers (MCP, HTTP) that serve them, and the runner. */
export const cliCommands: CommandDef[] = [...commands, mcpCommand, serveCommand, runnerCommand];

export function findCommand(word: string | undefined, next: string | undefined): CommandDef | undefined {
  if (word === undefined) return undefined;
  if (word in groupDescriptions) return cliCommands.find((c) => c.group === word && commandName(c) === next);
  return cliCommands.find((c) => !c.group && (commandName(c) === word || (c.aliases ?? []).includes(word)));
}

/** Every flag name and alias of a command (with the global ones), mapped to its canonical name and spec. */
export function flagTable(def: CommandDef | undefined): Map<string, { name: string; spec: Options }> {
  const table = new Map<string, { name: string; spec: Options }>();
  for (const [name, spec] of Object.entries({ ...GLOBAL_OPTIONS, ...(def?.options ?? {}) })) {
    table.set(name, { name, spec });
    const aliases: string[] = spec.alias === undefined ? [] : Array.isArray(spec.alias) ? (spec.alias as string[]) : [spec.alias as string];
    for (const alias of aliases) table.set(alias, { name, spec });
  }
  return table;
}

export function takesValue(def: CommandDef | undefined): (flag: string) => boolean {
  const table = flagTable(def);
  return (flag) => {
    const spec = table.get(flag)?.spec;
    return spec !== undefined && spec.type !== 'boolean' && spec.type !== 'count';
  };
}

/**
 * Other spellings of commands: `config --init` (the seed's) is `config init`; `--version` or
 * `-V` with no command is `version`.
 */
export function seedSpellings(argv: string[]): string[] {
  const at = subcommandIndex(argv);
  if (at === -1) {
    const flag = argv.findIndex((t) => t === '--version' || t === '-V');
    const end = argv.indexOf('--');
    if (flag !== -1 && (end === -1 || flag < end)) return [...argv.slice(0, flag), 'version', ...argv.slice(flag + 1)];
  }
  if (argv[at] !== 'config' || argv[at + 1] !== '--init') return argv;
  return [...argv.slice(0, at + 1), 'init', ...argv.slice(at + 2)];
}
