// The job selection shared by `list` and `dashboard`: the flags (--state, --tag, --executor,
// --name, --cwd/--all, --limit), their validation, and the newest-first walk of the list index.
// With the default scope (the current directory) it also counts the jobs of other directories
// that match the other filters, from the index's summaries (no job file is read for them).
import { resolve } from 'node:path';
import type { Options } from 'yargs';
import { usageError } from '../errors.js';
import { optBool, optInt, optNonEmpty, optString, stringList, type Args } from './args.js';
import { validateTagFilters, tagsMatch } from '../util/tags.js';
import { listJobs } from '../store/list-index.js';
import type { KeptFields } from '../store/list-index-file.js';
import { reconcile, type ReconcileActions } from '../job/reconcile.js';
import { isCorrupt, type CorruptJob, type ListedJob } from '../store/types.js';
import { ALL_STATES, isTerminal, type JobStateName } from '../job/state.js';
import { registerJobSecrets } from './load-job.js';

const DEFAULT_LIMIT = 50;

export const selectionOptions: Record<string, Options> = {
  state: { type: 'string', alias: 'status', describe: 'only jobs in this state (repeatable)' },
  tag: { type: 'string', describe: 'tag filter; P.* matches P and everything under it (repeatable, all must match)' },
  cwd: { type: 'string', describe: 'only jobs whose cwd is this directory (default: the current one)' },
  all: { type: 'boolean', describe: 'jobs of every directory' },
  limit: { type: 'string', describe: 'at most this many jobs (default 50)' },
  executor: { type: 'string', describe: 'only jobs of this executor (repeatable: any of them)' },
  name: { type: 'string', describe: 'only jobs with exactly this name' },
};

/** What --state accepts: every job state, and `corrupt` (a job whose files cannot be read). */
const LISTED_STATES: readonly ListedState[] = [...ALL_STATES, 'corrupt'];
export type ListedState = JobStateName | 'corrupt';

export interface Selection {
  states: Set<ListedState> | undefined;
  tagFilters: string[];
  /** undefined: every directory (--all). */
  cwd: string | undefined;
  limit: number;
  executors: string[];
  name: string | undefined;
  /** The scope is the current directory because neither --cwd nor --all was given. */
  defaultScope: boolean;
}

function stateFilter(values: string[]): Set<ListedState> | undefined {
  if (values.length === 0) return undefined;
  for (const v of values) {
    if (!(LISTED_STATES as readonly string[]).includes(v)) throw usageError(`--state must be one of ${LISTED_STATES.join(', ')}`, { flag: 'state', value: v.slice(0, 50) });
  }
  return new Set(values as ListedState[]);
}

/** Validates the selection flags (usage errors before anything is read or printed). */
export function parseSelection(args: Args): Selection {
  const states = stateFilter(stringList(args, 'state'));
  const tagFilters = validateTagFilters(stringList(args, 'tag'));
  const all = optBool(args, 'all');
  const cwdFlag = optNonEmpty(args, 'cwd');
  if (all && cwdFlag !== undefined) throw usageError('--all and --cwd exclude each other');
  const cwd = all ? undefined : resolve(cwdFlag ?? process.cwd());
  const limit = optInt(args, 'limit', 0, 1_000_000) ?? DEFAULT_LIMIT;
  const name = optString(args, 'name');
  return { states, tagFilters, cwd, limit, executors: stringList(args, 'executor'), name, defaultScope: !all && cwdFlag === undefined };
}

/**
 * The selected jobs, newest first, reconciled; `more` when the limit cut the list short. Corrupt
 * jobs are selected in every directory scope (their cwd cannot be read) unless --state leaves
 * them out or a filter on what they cannot show (--tag, --executor, --name) is given;
 * `otherJobs` (default scope only): jobs of other directories matching the other filters, by
 * their last recorded state and tags.
 */
export async function selectJobs(root: string, sel: Selection, actions: ReconcileActions): Promise<{ jobs: (ListedJob | CorruptJob)[]; more: boolean; otherJobs: number }> {
  const { cwd, executors, tagFilters, states, name } = sel;
  const others = (meta: KeptFields): boolean => (executors.length === 0 || executors.includes(meta.executor)) && (name === undefined || meta.name === name);
  const { jobs, more, leftOut } = await listJobs(root, {
    limit: sel.limit,
    keep: (meta) => (cwd === undefined || meta.cwd === cwd) && others(meta),
    acceptCorrupt: () => (states === undefined || states.has('corrupt')) && tagFilters.length === 0 && executors.length === 0 && name === undefined,
    ...(sel.defaultScope
      ? { countLeftOut: (job: Omit<ListedJob, 'dir'>) => job.meta.cwd !== cwd && others(job.meta) && tagsMatch(job.meta.tags, tagFilters) && (states === undefined || states.has(job.state.state)) }
      : {}),
    accept: async (candidate) => {
      if (!tagsMatch(candidate.meta.tags, tagFilters)) return undefined;
      const job = isTerminal(candidate.state.state) ? candidate : await reconcile(candidate, actions);
      return states && !states.has(job.state.state) ? undefined : job;
    },
  });
  for (const job of jobs) if (!isCorrupt(job)) registerJobSecrets(job);
  return { jobs, more, otherJobs: leftOut };
}

/** What `list` says about the jobs the default scope left out: nothing when there are none. */
export function otherJobsFields(sel: Selection, otherJobs: number): Record<string, unknown> {
  if (!sel.defaultScope || otherJobs === 0) return {};
  const where = otherJobs === 1 ? '1 job in another directory' : `${otherJobs} jobs in other directories`;
  return { other_jobs: otherJobs, hint: `${where}: use --all or --cwd DIR` };
}
