// `list`: jobs newest first, scoped to the current directory unless --cwd or --all; --state,
// --tag and --executor filter.
import { resolve } from 'node:path';
import { usageError } from '../errors.js';
import { optBool, optInt, optNonEmpty, stringList } from '../cli/args.js';
import { validateTagFilters, tagsMatch } from '../util/tags.js';
import { listJobs } from '../store/list-index.js';
import { reconcile } from '../store/reconcile.js';
import { ALL_STATES, isTerminal, type JobState } from '../store/types.js';
import { jobSummary } from '../view/job-view.js';
import type { CommandDef } from './types.js';
import { registerJobSecrets } from './load-job.js';

const DEFAULT_LIMIT = 50;

function stateFilter(values: string[]): Set<JobState> | undefined {
  if (values.length === 0) return undefined;
  for (const v of values) {
    if (!(ALL_STATES as readonly string[]).includes(v)) throw usageError(`--state must be one of ${ALL_STATES.join(', ')}`, { flag: 'state', value: v.slice(0, 50) });
  }
  return new Set(values as JobState[]);
}

export const listCommand: CommandDef = {
  command: 'list',
  aliases: ['ls'],
  describe: 'jobs, newest first',
  type: 'list',
  options: {
    state: { type: 'string', alias: 'status', describe: 'only jobs in this state (repeatable)' },
    tag: { type: 'string', describe: 'tag filter; P.* matches P and everything under it (repeatable, all must match)' },
    cwd: { type: 'string', describe: 'only jobs whose cwd is this directory (default: the current one)' },
    all: { type: 'boolean', describe: 'jobs of every directory' },
    limit: { type: 'string', describe: 'at most this many jobs (default 50)' },
    executor: { type: 'string', describe: 'only jobs of this executor (repeatable: any of them)' },
  },
  async handler(args, ctx) {
    const states = stateFilter(stringList(args, 'state'));
    const tagFilters = validateTagFilters(stringList(args, 'tag'));
    const all = optBool(args, 'all');
    const cwdFlag = optNonEmpty(args, 'cwd');
    if (all && cwdFlag !== undefined) throw usageError('--all and --cwd exclude each other');
    const cwd = all ? undefined : resolve(cwdFlag ?? process.cwd());
    const limit = optInt(args, 'limit', 0, 1_000_000) ?? DEFAULT_LIMIT;
    const executors = stringList(args, 'executor');

    const { jobs, more } = await listJobs(ctx.root, {
      limit,
      keep: (meta) => (cwd === undefined || meta.cwd === cwd) && (executors.length === 0 || executors.includes(meta.executor)),
      accept: async (candidate) => {
        if (!tagsMatch(candidate.meta.tags, tagFilters)) return undefined;
        const job = isTerminal(candidate.state.state) ? candidate : await reconcile(candidate);
        return states && !states.has(job.state.state) ? undefined : job;
      },
    });
    jobs.forEach(registerJobSecrets);
    return {
      root: ctx.root,
      ...(cwd !== undefined ? { cwd } : {}),
      jobs: jobs.map(jobSummary),
      count: jobs.length,
      truncated: more,
    };
  },
};
