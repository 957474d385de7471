// Shell completion (`jobctl completion`, yargs' --get-yargs-completions): yargs' own candidates
// (commands, flags), plus the short ids of the store's jobs where a command takes a job id, and
// the names of its jobs after --name. Read from the root's directory listing and the list index
// only, so a TAB stays fast with many jobs.
import { findCommand, positionalNames } from './command-table.js';
import { shortId } from '../store/ids.js';
import { knownJobs, namedJobs } from '../store/list-index.js';
import { resolveRoot } from '../store/root.js';

/** How many job ids a completion offers at most (newest first). */
const MAX_IDS = 200;

/** Whether `words` (the command words typed so far) name a command whose next word is a job id. */
function wantsId(words: string[]): boolean {
  const def = findCommand(words[0], words[1]);
  return def !== undefined && positionalNames(def)[0] === 'id' && words.length === (def.group ? 2 : 1);
}

function rootOf(rootFlag: unknown): string | undefined {
  try {
    return resolveRoot(typeof rootFlag === 'string' && rootFlag !== '' ? rootFlag : undefined);
  } catch {
    return undefined;
  }
}

/** A completion offers nothing rather than an error (a root that cannot be read). */
function quietly<T>(list: () => T[]): T[] {
  try {
    return list();
  } catch {
    return [];
  }
}

/** The names of the store's jobs (newest first, each once) for the value of --name being completed. */
export function nameCandidates(current: string, rootFlag: unknown): string[] {
  const root = rootOf(rootFlag);
  if (root === undefined) return [];
  const names = quietly(() => namedJobs(root)).map((job) => job.name).filter((name): name is string => name !== undefined && name.startsWith(current));
  return [...new Set(names)].slice(0, MAX_IDS);
}

/** Job id candidates for the word being completed (`words`: the words before it); zsh shows each job's name and state beside it. */
export function idCandidates(words: string[], current: string, rootFlag: unknown, zsh: boolean): string[] {
  // From a shell the first word is the program's own name.
  if (current.startsWith('-') || !(wantsId(words) || wantsId(words.slice(1)))) return [];
  const root = rootOf(rootFlag);
  if (root === undefined) return [];
  return quietly(() => knownJobs(root, MAX_IDS))
    .map((job) => ({ ...job, short: shortId(job.job_id) }))
    .filter((job) => job.short.startsWith(current) || job.job_id.startsWith(current))
    .map((job) => {
      if (!zsh) return job.short;
      const about = [job.name, job.state].filter((x) => x !== undefined).join(', ');
      return about === '' ? job.short : `${job.short}:${about.replace(/:/g, '\\:')}`;
    });
}
