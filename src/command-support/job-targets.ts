// The jobs a fan-in command (`wait`, `kill`) acts on: several ids (`wait ID ID...`, prefixes and
// --name resolve as for one job) or --tag P (every job of the root carrying the tag; P.*
// matches P and the tags under it; repeatable: all must match), never both. One id, without
// --tag, --all or --any, is the single-job form, whose answer is unchanged.
import { usageError, JobError } from '../errors.js';
import { optBool, stringList, type Args } from './args.js';
import { resolveJobArg } from './load-job.js';
import { isJobIdShape, resolveJobId } from '../store/ids.js';
import { jobDir, listJobIds, readMeta } from '../store/jobs.js';
import { tagsMatch, validateTagFilters } from '../util/tags.js';
import type { Context } from './types.js';

/** The ids given after the first (`[more..]`). */
const moreIds = (args: Args): string[] => stringList(args, 'more');

/** True when the command is asked about several jobs (the multi-job answer). */
export function isMultiTarget(args: Args): boolean {
  return moreIds(args).length > 0 || stringList(args, 'tag').length > 0 || optBool(args, 'all') || optBool(args, 'any');
}

/** The job directories, in the order given (ids) or oldest first (--tag); duplicates once. */
export function resolveTargets(args: Args, ctx: Pick<Context, 'root'>): string[] {
  const tags = validateTagFilters(stringList(args, 'tag'));
  const more = moreIds(args);
  if (tags.length > 0) {
    if (args['id'] !== undefined || args['task-id'] !== undefined || more.length > 0 || args['name'] !== undefined) throw usageError('give job ids or --tag, not both', { flag: 'tag' });
    const found: { dir: string; createdAt: string }[] = [];
    for (const id of listJobIds(ctx.root, isJobIdShape)) {
      try {
        const meta = readMeta(jobDir(ctx.root, id));
        if (tagsMatch(meta.tags, tags)) found.push({ dir: jobDir(ctx.root, id), createdAt: meta.created_at });
      } catch {
        // Deleted meanwhile, or not a job.
      }
    }
    if (found.length === 0) throw new JobError('job_not_found', `no job carries ${tags.map((t) => JSON.stringify(t)).join(' and ')}`, { tag: tags.join(',') });
    return found.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.dir.localeCompare(b.dir)).map((f) => f.dir);
  }
  const ids = [resolveJobArg(args, ctx.root), ...more.map((m) => resolveJobId(ctx.root, m))];
  return [...new Set(ids)].map((id) => jobDir(ctx.root, id));
}
