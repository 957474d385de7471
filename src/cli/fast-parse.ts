// A strict parser for well-formed invocations, built from the same flag definitions as the yargs
// one, so that the hot commands (status, tail, wait, list, run, ...) never load yargs. Anything
// it does not fully understand — help, completion, unknown or malformed flags, stray words —
// returns undefined and goes to yargs, which owns help texts and usage errors.
import type { CommandDef } from '../command-support/types.js';
import type { Args } from '../command-support/args.js';
import { findCommand, flagTable, positionalNames, takesValue } from './command-table.js';
import { splitCommandLine, subcommandIndex } from './split-command.js';

export interface FastParse {
  def: CommandDef;
  args: Args;
  commandWords: string[] | undefined;
}


export function fastParse(argv: readonly string[]): FastParse | undefined {
  const at = subcommandIndex(argv);
  if (at === -1) return undefined;
  const def = findCommand(argv[at], argv[at + 1]);
  if (def === undefined) return undefined;
  const rest = def.group ? at + 2 : at + 1;
  let tokens = [...argv.slice(0, at), ...argv.slice(rest)];
  let commandWords: string[] | undefined;
  const table = flagTable(def);
  if (def.takesCommand) {
    const split = splitCommandLine(tokens, at, takesValue(def));
    tokens = split.flags;
    commandWords = split.command;
  }
  const args: Args = {};
  const positionals: string[] = [];
  const add = (name: string, value: unknown) => {
    const prev = args[name];
    args[name] = prev === undefined ? value : Array.isArray(prev) ? [...(prev as unknown[]), value] : [prev, value];
  };
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    if ((token === '-v' || token === '-vv') && tokens[i + 1] !== 'true' && tokens[i + 1] !== 'false') {
      args['v'] = (typeof args['v'] === 'number' ? args['v'] : 0) + token.length - 1;
      continue;
    }
    if (!token.startsWith('--')) {
      if (token.startsWith('-') && token !== '-') return undefined;
      positionals.push(token);
      continue;
    }
    if (token === '--') return undefined;
    const eq = token.indexOf('=');
    const flag = token.slice(2, eq === -1 ? undefined : eq);
    const entry = table.get(flag);
    if (entry === undefined || flag === 'help') return undefined;
    if (entry.spec.type === 'count') {
      if (eq !== -1 || tokens[i + 1] === 'true' || tokens[i + 1] === 'false') return undefined;
      args[entry.name] = (typeof args[entry.name] === 'number' ? (args[entry.name] as number) : 0) + 1;
    } else if (entry.spec.type === 'boolean') {
      // yargs would read a following true/false as the flag's value: leave such forms to it.
      const next = tokens[i + 1];
      if (eq !== -1 || next === 'true' || next === 'false') return undefined;
      add(entry.name, true);
    } else if (eq !== -1) {
      const value = token.slice(eq + 1);
      // yargs strips surrounding quotes from `--flag="value"`: leave such forms to it.
      if (/^(["']).*\1$/s.test(value)) return undefined;
      add(entry.name, value);
    } else {
      const value = tokens[i + 1];
      if (value === undefined) return undefined;
      add(entry.name, value);
      i++;
    }
  }
  const names = positionalNames(def);
  // A last positional `[name..]` takes every word left (as an array, like yargs).
  const variadic = names.at(-1)?.endsWith('..') === true ? (names.pop() as string).slice(0, -2) : undefined;
  if (positionals.length > names.length && variadic === undefined) return undefined;
  positionals.slice(0, names.length).forEach((value, i) => { args[names[i] as string] = value; });
  if (variadic !== undefined && positionals.length > names.length) args[variadic] = positionals.slice(names.length);
  return { def, args, commandWords };
}

