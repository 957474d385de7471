// --queue, --after/--after-ok and --retry*: when a job may start, and whether it runs again.
import type { Options } from 'yargs';
import { JobError, usageError } from '../errors.js';
import { optInt, optNonEmpty, optString, oneOf, stringList, type Args } from './args.js';
import { parseOptionalDuration, type Warn } from '../util/duration.js';
import { resolveJobId } from '../store/ids.js';
import type { Config } from '../config.js';
import type { Dependency, JobMeta, RetryOn } from '../store/types.js';

export const schedulingOptions: Record<string, Options> = {
  queue: { type: 'string', describe: 'named queue ([queues.NAME]) limiting how many such jobs run at once' },
  after: { type: 'string', describe: 'start only once this job is terminal (repeatable)' },
  'after-ok': { type: 'string', describe: 'start only if this job exited 0, else fail with dependency_failed (repeatable)' },
  retry: { type: 'string', describe: 'run again up to N more times when an attempt fails (see --retry-on)' },
  'retry-delay': { type: 'string', describe: 'wait this long before each retry (default 0)' },
  'retry-on': { type: 'string', describe: 'nonzero | timeout | lost | any (default nonzero: a nonzero exit or a signal)' },
};

const RETRY_ON: readonly RetryOn[] = ['nonzero', 'timeout', 'lost', 'any'];

/**
 * The scheduling fields of a new job's definition, validated against the root and config.
 * `remote`: the job goes to a remote executor, where --retry is not supported (a new attempt
 * would need a new identity on the executor: container name, remote directory, Slurm job name).
 */
export function schedulingFields(args: Args, root: string, config: Config, options: { remote?: boolean; agent?: boolean; warn?: Warn } = {}): Pick<JobMeta, 'queue' | 'after' | 'retry'> {
  const out: Pick<JobMeta, 'queue' | 'after' | 'retry'> = {};
  const queue = optNonEmpty(args, 'queue');
  if (queue !== undefined) {
    if (!Object.hasOwn(config.queues, queue)) {
      throw new JobError('queue_not_found', `no queue named ${JSON.stringify(queue.slice(0, 100))} (known: ${Object.keys(config.queues).join(', ') || 'none'})`, { queue: queue.slice(0, 100), known: Object.keys(config.queues) });
    }
    out.queue = queue;
  }
  // Dependencies must exist already, so a new job can never close a cycle.
  const after: Dependency[] = [];
  for (const [flag, requireOk] of [['after', false], ['after-ok', true]] as const) {
    for (const input of stringList(args, flag)) {
      const jobId = resolveJobId(root, input);
      const known = after.find((d) => d.job_id === jobId);
      if (known) known.require_ok ||= requireOk;
      else after.push({ job_id: jobId, require_ok: requireOk });
    }
  }
  if (after.length > 0) out.after = after;
  const retry = optInt(args, 'retry', 0, 100);
  const delay = parseOptionalDuration(optString(args, 'retry-delay'), '--retry-delay', options.warn);
  const on = oneOf(args, 'retry-on', RETRY_ON);
  if (retry === undefined && (delay !== undefined || on !== undefined)) throw usageError('--retry-delay and --retry-on need --retry N', { flag: delay !== undefined ? 'retry-delay' : 'retry-on' });
  if (retry !== undefined && retry > 0 && options.remote === true) throw usageError('--retry is supported for local jobs only, not on a remote executor', { flag: 'retry' });
  // A second run of an agent job would repeat its prompt in a session the first run already changed.
  if (retry !== undefined && retry > 0 && options.agent === true) throw usageError('--retry is not supported for agent jobs: start a new job with --resume SESSION to continue', { flag: 'retry' });
  if (retry !== undefined && retry > 0) out.retry = { max: retry, delay_ms: delay ?? 0, on: on ?? 'nonzero' };
  return out;
}
