// Separates run/create's trailing command line from jobctl's own flags before yargs sees them,
// so `jobctl run --timeout 5s make -j4 --keep-going` passes `--keep-going` to make. The command
// starts after `--`, or at the first word that is neither a flag nor a flag's value.
const GLOBAL_VALUE_FLAGS = new Set(['root', 'config']);

function flagName(token: string): string {
  return token.replace(/^--?/, '').split('=')[0] ?? '';
}

/** Index of the subcommand word, skipping global flags (and their values) before it. */
export function subcommandIndex(argv: readonly string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string;
    if (token === '--') return -1;
    if (!token.startsWith('-') || token === '-') return i;
    if (!token.includes('=') && GLOBAL_VALUE_FLAGS.has(flagName(token))) i++;
  }
  return -1;
}

export function splitCommandLine(
  argv: readonly string[],
  start: number,
  takesValue: (flag: string) => boolean,
): { flags: string[]; command: string[] | undefined } {
  for (let i = start; i < argv.length; i++) {
    const token = argv[i] as string;
    if (token === '--') return { flags: argv.slice(0, i), command: argv.slice(i + 1) };
    if (token.startsWith('-') && token !== '-') {
      if (!token.includes('=') && takesValue(flagName(token))) i++;
      continue;
    }
    return { flags: argv.slice(0, i), command: argv.slice(i) };
  }
  return { flags: [...argv], command: undefined };
}

/**
 * Rewrites `--flag -value` as `--flag=-value` for flags that take a value, so a value that
 * starts with '-' (e.g. `--timeout -5s`) reaches validation instead of being read as flags.
 */
export function joinDashValues(argv: readonly string[], takesValue: (flag: string) => boolean): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string;
    if (token === '--') return [...out, ...argv.slice(i)];
    const next = argv[i + 1];
    if (token.startsWith('-') && !token.includes('=') && takesValue(flagName(token)) && next !== undefined && next.startsWith('-') && next !== '--') {
      out.push(`${token}=${next}`);
      i++;
    } else {
      out.push(token);
    }
  }
  return out;
}
