// `status ID`: the job's state reconciled with reality, plus live pids.
import { reconcile } from '../job/reconcile.js';
import { jobStatus } from '../view/job-view.js';
import { loadJob } from '../command-support/load-job.js';
import { idOptions, type CommandDef } from '../command-support/types.js';

export const statusCommand: CommandDef = {
  command: 'status [id]',
  describe: 'current state of a job',
  type: 'status',
  options: { ...idOptions },
  async handler(args, ctx) {
    return jobStatus(await reconcile(loadJob(args, ctx), ctx.actions));
  },
};
