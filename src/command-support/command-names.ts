// One reading of a command's definition string ('status [id]', group 'tag' + 'set <id> ...'):
// its own word, its full name and the names of its positionals.
import type { CommandDef } from './types.js';

/** A command's own word (`set` of `tag set`). */
export const commandName = (c: CommandDef): string => c.command.split(' ')[0] ?? '';
/** `tag set`, `status`. */
export const fullName = (c: CommandDef): string => (c.group ? `${c.group} ${commandName(c)}` : commandName(c));
/** The names of a command's positionals, in order (`id` of `status [id]`). */
export const positionalNames = (c: CommandDef): string[] => c.command.split(' ').slice(1).map((p) => p.replace(/^[[<]|[\]>]$/g, ''));
