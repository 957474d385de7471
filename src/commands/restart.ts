// `restart ID [--snapshot-after D] [--wait]`: run a terminal job again in place — same id,
// attempt + 1, the earlier attempt's logs and outcome kept (command-support/restart-job.ts);
// answers the job's snapshot like start. A job that is not terminal is invalid_state.
import { loadJob } from '../command-support/load-job.js';
import { observeOptions } from '../command-support/definition-options.js';
import { checkObserveArgs, observe } from '../command-support/launch.js';
import { restartJob } from '../command-support/restart-job.js';
import { idOptions, type CommandDef } from '../command-support/types.js';
import { reconcile } from '../job/reconcile.js';
import { deletionRefused } from './delete.js';

export const restartCommand: CommandDef = {
  command: 'restart [id]',
  describe: 'run a finished job again in place (same id, attempt + 1, earlier logs kept)',
  type: 'restart',
  options: { ...idOptions, ...observeOptions },
  async handler(args, ctx) {
    const startedAt = Date.now();
    checkObserveArgs(args, ctx.warn);
    // A job whose supervisor is gone is recorded lost first: it may then be restarted.
    const job = await reconcile(loadJob(args, ctx), ctx.actions);
    // The same reasons that keep a finished job from being deleted keep it from running again.
    await restartJob(ctx, job, deletionRefused);
    return observe(args, ctx, job.dir, startedAt);
  },
};
