// Parses an env file: KEY=VALUE lines, `export ` prefixes, # comments, single or double quotes
// (in double quotes `\n`, `\"` and `\\` are escapes and a `\"` never closes the value; a value
// with text after its closing quote stays as written). A quoted value whose line holds no closing
// quote spans lines, as dotenv reads it: it runs to the first closing quote on a later line, line
// breaks and spaces kept. A quote never closed, or followed by more than a comment on its closing
// line, is an error naming the line — never a value silently cut at its first line.
import { usageError } from '../errors.js';

/** A valid environment variable name. */
export const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

type Quote = '"' | "'";

/** `\n`, `\"` and `\\` in a double-quoted value. */
const unescapeDouble = (value: string): string => value.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');

/** Index of the first closing `quote` in `text` from `from` (a `\"` does not close), or -1. */
function closingQuote(text: string, quote: Quote, from = 0): number {
  for (let i = from; i < text.length; i++) {
    if (quote === '"' && text[i] === '\\') i++;
    else if (text[i] === quote) return i;
  }
  return -1;
}

/** `path` names the file in errors. */
export function parseEnvFile(text: string, path?: string): Record<string, string> {
  const source = path === undefined ? 'env file' : `env file ${path}`;
  const env: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const body = line.startsWith('export ') ? line.slice(7).trim() : line;
    const eq = body.indexOf('=');
    if (eq <= 0) continue;
    const key = body.slice(0, eq).trim();
    if (!ENV_KEY.test(key)) continue;
    let value = body.slice(eq + 1).trim();
    const quote = value[0];
    if (quote === '"' || quote === "'") {
      const end = closingQuote(value, quote, 1);
      if (end === value.length - 1) {
        value = value.slice(1, -1);
        if (quote === '"') value = unescapeDouble(value);
      } else if (end === -1) {
        const opened = i + 1;
        // The value as written from after its opening quote (its line's trailing spaces kept).
        const parts = [raw.slice(raw.indexOf('=') + 1).trimStart().slice(1)];
        for (;;) {
          if (++i >= lines.length) {
            throw usageError(`${source}: line ${opened}: the quoted value of ${key} is never closed`, { ...(path !== undefined ? { path } : {}), line: opened, key });
          }
          const next = lines[i] as string;
          const end = closingQuote(next, quote);
          if (end === -1) {
            parts.push(next);
            continue;
          }
          const rest = next.slice(end + 1).trim();
          if (rest !== '' && !rest.startsWith('#')) {
            throw usageError(`${source}: line ${i + 1}: text after the closing quote of ${key} (opened on line ${opened})`, { ...(path !== undefined ? { path } : {}), line: i + 1, key });
          }
          parts.push(next.slice(0, end));
          break;
        }
        value = parts.join('\n');
        if (quote === '"') value = unescapeDouble(value);
      }
    }
    env[key] = value;
  }
  return env;
}
