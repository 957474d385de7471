// `start ID`: launch a job that was created; any other state is invalid_state.
import { JobError } from '../errors.js';
import { loadJob } from './load-job.js';
import { observeOptions } from './definition-options.js';
import { launch, observe, checkObserveArgs } from './launch.js';
import { idOptions, type CommandDef } from './types.js';

export const startCommand: CommandDef = {
  command: 'start [id]',
  describe: 'start a created job',
  type: 'start',
  options: { ...idOptions, ...observeOptions },
  async handler(args, ctx) {
    const startedAt = Date.now();
    checkObserveArgs(args);
    const { dir, state } = loadJob(args, ctx);
    if (state.state !== 'created') {
      throw new JobError('invalid_state', `job is ${state.state}; only a created job can be started`, { state: state.state });
    }
    await launch(ctx, dir);
    return observe(args, dir, startedAt);
  },
};
