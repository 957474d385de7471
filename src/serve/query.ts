// A query string as a command's options: the same snake_case names a body uses; a repeatable
// option takes the parameter repeated (`?state=running&state=queued`); a boolean option is
// `true`/`1`/empty or `false`/`0`. Anything else (a single option given twice, a boolean that is
// neither) is a usage_error; an unknown name is left for the command to name. Pure.
import { usageError } from '../errors.js';
import type { CallOption } from '../library/call-options.js';

function booleanValue(key: string, text: string): boolean {
  if (text === '' || text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  throw usageError(`${key} must be true or false`, { argument: key, value: text.slice(0, 100) });
}

export function queryOptions(query: URLSearchParams, options: ReadonlyMap<string, CallOption>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of new Set(query.keys())) {
    const values = query.getAll(key);
    const option = options.get(key);
    if (option?.repeatable === true) {
      out[key] = values;
      continue;
    }
    if (values.length > 1) throw usageError(`${key} was given more than once`, { argument: key });
    const text = values[0] as string;
    out[key] = option?.spec.type === 'boolean' ? booleanValue(key, text) : text;
  }
  return out;
}

/** The query of a request target (`/path?a=1`): URLSearchParams of what follows the first `?`. */
export function splitTarget(target: string): { path: string; query: URLSearchParams } {
  const at = target.indexOf('?');
  return at === -1 ? { path: target, query: new URLSearchParams() } : { path: target.slice(0, at), query: new URLSearchParams(target.slice(at + 1)) };
}
