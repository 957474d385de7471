// Renders an argv as one shell-readable string for display (the job's `command` field).
const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

export function quoteArg(arg: string): string {
  if (arg.length > 0 && SAFE.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export const quoteArgv = (argv: readonly string[]): string => argv.map(quoteArg).join(' ');
