// `tail ID`: the last lines of each stream, read from the end of the logs.
import { shortId } from '../store/ids.js';
import { tailFields } from '../view/job-view.js';
import { tailOptions } from '../command-support/launch.js';
import { loadJob } from '../command-support/load-job.js';
import { idOptions, type CommandDef } from '../command-support/types.js';

export const tailCommand: CommandDef = {
  command: 'tail [id]',
  describe: 'last lines of stdout and stderr',
  type: 'tail',
  options: {
    ...idOptions,
    'tail-lines': { type: 'string', alias: 'lines', describe: 'lines of each stream (default: the job\'s, 50)' },
    'max-bytes': { type: 'string', describe: 'bytes of each stream at most (default: the job\'s, 65536)' },
  },
  async handler(args, ctx) {
    const job = loadJob(args, ctx);
    return { job_id: job.meta.job_id, short_id: shortId(job.meta.job_id), state: job.state.state, ...tailFields(job, tailOptions(args, job)) };
  },
};
