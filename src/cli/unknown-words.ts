// Usage errors that name the word the parser did not know and the nearest real one, checked
// before yargs parses (yargs would say "Did you mean stats?" or "Unknown arguments: tail-lines,
// tailLines"). details: {word, suggestion?}.
import { usageError } from '../errors.js';
import { groupDescriptions } from '../commands/index.js';
import type { CommandDef } from '../command-support/types.js';
import { cliCommands, commandName, findCommand, flagTable, fullName, positionalNames } from './command-table.js';
import { nearest } from '../util/suggest.js';


/** Words that only yargs handles: leave such calls to it untouched. */
export function yargsOnly(argv: readonly string[]): boolean {
  return argv.some((t) => t === '--help' || t === '-h' || t === '--get-yargs-completions');
}

function unknown(what: string, word: string, known: readonly string[], shown: (w: string) => string, where = '', help = 'jobctl --help'): never {
  const suggestion = nearest(word, known);
  const hint = suggestion !== undefined ? `; did you mean ${shown(suggestion)}?` : ` (see ${help})`;
  throw usageError(`unknown ${what} ${shown(word)}${where}${hint}`, suggestion !== undefined ? { word, suggestion } : { word });
}

function topLevelWords(): string[] {
  const words = cliCommands.filter((c) => !c.group).flatMap((c) => [commandName(c), ...(c.aliases ?? [])]);
  return [...words, ...Object.keys(groupDescriptions), 'completion'];
}

/** Throws for an unknown command word at argv[at] (a group's unknown subcommand included). */
export function checkCommandWord(argv: readonly string[], at: number): void {
  const word = argv[at] as string;
  if (findCommand(word, argv[at + 1]) !== undefined || word === 'completion') return;
  const group = groupDescriptions[word] !== undefined ? word : undefined;
  if (group === undefined) return unknown('command', word, topLevelWords(), (w) => `'${w}'`);
  const sub = argv[at + 1];
  if (sub === undefined || sub.startsWith('-')) return; // yargs lists the subcommands
  const members = cliCommands.filter((c) => c.group === group).map(fullName);
  unknown('command', `${group} ${sub}`, members, (w) => `'${w}'`);
}

/**
 * Throws for an unknown flag or a stray word among `tokens` (the flags of `def`, its own command
 * words removed). `valueFlag` says which flags consume the next word.
 */
export function checkFlags(tokens: readonly string[], def: CommandDef | undefined, valueFlag: (flag: string) => boolean): void {
  const table = flagTable(def);
  const known = [...table.keys()].filter((k) => k.length > 1);
  const where = def !== undefined ? ` for ${fullName(def)}` : '';
  let positionals = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    if (token === '--') return;
    if (token === '-v' || token === '-vv' || token === '-') continue;
    if (!token.startsWith('-')) {
      positionals++;
      if (def !== undefined && positionals > positionalNames(def).length && positionalNames(def).at(-1)?.endsWith('..') !== true) {
        const takes = def.command.split(' ').slice(1).join(' ') || 'no arguments';
        throw usageError(`unexpected argument '${token}' for ${fullName(def)} (it takes ${takes})`, { word: token });
      }
      continue;
    }
    const name = token.replace(/^--?/, '').split('=')[0] ?? '';
    const negated = name.startsWith('no-') && table.get(name.slice(3))?.spec.type === 'boolean';
    if (table.has(name) || negated) {
      if (!token.includes('=') && valueFlag(name)) i++;
      continue;
    }
    if (def === undefined && (name === 'version' || name === 'V')) continue;
    const candidates = def === undefined ? [...known, 'help', 'version'] : [...known, 'help'];
    const help = def === undefined ? 'jobctl --help' : `jobctl ${fullName(def)} --help`;
    unknown('flag', name, candidates, (w) => (w.length === 1 ? `-${w}` : `--${w}`), where, help);
  }
}
