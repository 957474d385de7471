// `wait ID`: block until the job is terminal or --timeout passes (a success either way).
// Several ids, --tag, --all or --any: the fan-in form (wait-many.ts).
import { optString } from '../command-support/args.js';
import { parseOptionalDuration } from '../util/duration.js';
import { waitForJob } from '../job/wait-for-jobs.js';
import { jobSnapshot } from '../view/job-view.js';
import { tailOptions, pollMs, snapshotOnInterrupt } from '../command-support/launch.js';
import { loadJob, registerJobSecrets } from '../command-support/load-job.js';
import { idOptions, type CommandDef } from '../command-support/types.js';
import { isMultiTarget } from '../command-support/job-targets.js';
import { waitMany } from './wait-many.js';

export const waitCommand: CommandDef = {
  command: 'wait [id] [more..]',
  describe: 'block until the job ends (or --timeout)',
  type: 'wait',
  options: {
    ...idOptions,
    tag: { type: 'string', describe: 'wait for every job carrying this tag (P.* matches P and below; repeatable)' },
    all: { type: 'boolean', describe: 'several jobs: until all have ended (the default)' },
    any: { type: 'boolean', describe: 'several jobs: until the first one ends (first_job_id)' },
    timeout: { type: 'string', describe: 'give up waiting after this long (default: no deadline)' },
    'wait-poll-ms': { type: 'string', describe: 'fallback poll interval (ms); wake-ups are event driven' },
    'tail-lines': { type: 'string', alias: 'lines', describe: 'lines of each stream in the snapshot' },
    'max-bytes': { type: 'string', describe: 'bytes of each stream in the snapshot at most' },
    raw: { type: 'boolean', describe: 'an agent job: keep its stream-JSON lines in stdout_tail' },
  },
  async handler(args, ctx) {
    if (isMultiTarget(args)) return waitMany(args, ctx);
    const startedAt = Date.now();
    const timeout = parseOptionalDuration(optString(args, 'timeout'), '--timeout', ctx.warn);
    const poll = pollMs(args);
    const initial = loadJob(args, ctx);
    const opts = tailOptions(args, initial);
    snapshotOnInterrupt(ctx, args, initial.dir, startedAt, { wait_timed_out: false });
    const { job, timedOut } = await waitForJob(initial.dir, timeout, poll, ctx.actions);
    registerJobSecrets(job); // the supervisor may have learnt more (masked keys of the env file)
    return { ...jobSnapshot(job, opts, Date.now() - startedAt), wait_timed_out: timedOut };
  },
};
