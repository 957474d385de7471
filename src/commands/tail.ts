// `tail ID`: the last lines of each stream, read from the end of the logs; with --grep PATTERN
// [--context N], the matching lines of the last --max-bytes of each log instead (view/log-grep.ts).
import { JobError, usageError } from '../errors.js';
import { shortId } from '../store/ids.js';
import { jobFiles } from '../store/jobs.js';
import type { JobRecord } from '../store/types.js';
import { tailFields, windowFields, type TailOptions } from '../view/job-view.js';
import { grepLog, type GrepOptions } from '../view/log-grep.js';
import { tailOptions } from '../command-support/launch.js';
import { optInt, optString, type Args } from '../command-support/args.js';
import { loadJob } from '../command-support/load-job.js';
import { idOptions, type CommandDef } from '../command-support/types.js';
import { compileMatcher } from '../util/line-matcher.js';

const MAX_CONTEXT = 1000;

/** The --grep search the flags ask for, or undefined without --grep (checked before the job is read). */
function grepOptions(args: Args): Omit<GrepOptions, 'maxBytes' | 'maxMatches'> | undefined {
  const pattern = optString(args, 'grep');
  const context = optInt(args, 'context', 0, MAX_CONTEXT);
  if (pattern === undefined) {
    if (context !== undefined) throw usageError('--context applies to --grep', { flag: 'context' });
    return undefined;
  }
  if (pattern === '') throw usageError('--grep must not be empty', { flag: 'grep' });
  try {
    return { matcher: compileMatcher(pattern, 'regex'), context: context ?? 0 };
  } catch (err) {
    throw err instanceof JobError ? usageError(`--grep: ${err.message}`, { flag: 'grep', pattern: pattern.slice(0, 200) }) : err;
  }
}

function grepFields(job: JobRecord, grep: Omit<GrepOptions, 'maxBytes' | 'maxMatches'>, limits: TailOptions): Record<string, unknown> {
  const files = jobFiles(job.dir);
  const opts = { ...grep, maxBytes: limits.maxBytes, maxMatches: limits.tailLines };
  const out = grepLog(files.stdout, 'stdout', opts);
  const err = grepLog(files.stderr, 'stderr', opts);
  return {
    matches: [...out.matches, ...err.matches],
    matches_truncated: out.more || err.more,
    ...windowFields(job.dir, out, err),
  };
}

export const tailCommand: CommandDef = {
  command: 'tail [id]',
  describe: 'last lines of stdout and stderr, or the last lines matching --grep',
  type: 'tail',
  options: {
    ...idOptions,
    'tail-lines': { type: 'string', alias: 'lines', describe: 'lines of each stream, or matches of each with --grep (default: the job\'s, 50)' },
    'max-bytes': { type: 'string', describe: 'bytes of each stream at most, shown or searched (default: the job\'s, 65536)' },
    grep: { type: 'string', describe: 'only lines matching this RE2 pattern, searched from the end within --max-bytes' },
    context: { type: 'string', describe: 'with --grep: this many lines before and after each match' },
  },
  async handler(args, ctx) {
    const grep = grepOptions(args);
    const job = loadJob(args, ctx);
    const head = { job_id: job.meta.job_id, short_id: shortId(job.meta.job_id), state: job.state.state };
    const limits = tailOptions(args, job);
    if (grep !== undefined) return { ...head, pattern: optString(args, 'grep'), ...grepFields(job, grep, limits) };
    return { ...head, ...tailFields(job, limits) };
  },
};
