// Output-match patterns: `contains` is a substring test; `regex` compiles with RE2 (linear time,
// no backreferences or lookaround), so a user's pattern can never stall the supervisor.
import { createRequire } from 'node:module';
import { JobError } from '../errors.js';

export type MatchType = 'contains' | 'regex';
export type LineMatcher = (line: string) => boolean;

interface Re2Like {
  test(input: string): boolean;
}
type Re2Ctor = new (pattern: string, flags?: string) => Re2Like;

let re2Ctor: Re2Ctor | undefined;
function loadRe2(): Re2Ctor {
  // re2 is a native addon: loaded only when a regex pattern is actually used.
  re2Ctor ??= createRequire(import.meta.url)('re2') as Re2Ctor;
  return re2Ctor;
}

export function compileMatcher(pattern: string, type: MatchType): LineMatcher {
  if (type === 'contains') return (line) => line.includes(pattern);
  let re: Re2Like;
  try {
    const RE2 = loadRe2();
    re = new RE2(pattern, 'u');
  } catch (err) {
    throw new JobError('invalid_pattern', `invalid regex ${JSON.stringify(pattern.slice(0, 200))}: ${(err as Error).message}`, {
      pattern: pattern.slice(0, 200),
    });
  }
  return (line) => re.test(line);
}
