// `start ID`: launch a job that was created; any other state is invalid_state.
// `start --prompt ... [--executor X --workspace DIR --max-turns N]` (no id) is the seed's way to
// create and start an agent job in one call: the same as `run --prompt ...`.
import { JobError, usageError } from '../errors.js';
import { loadJob } from '../command-support/load-job.js';
import { definitionOptions, observeOptions } from '../command-support/definition-options.js';
import { agentOptions, isAgentJob } from '../command-support/agent-options.js';
import { launch, observe, checkObserveArgs } from '../command-support/launch.js';
import { idOptions, type CommandDef } from '../command-support/types.js';
import { runCommand } from './run.js';

const definitionFlags = [...Object.keys(definitionOptions), ...Object.keys(agentOptions)];

export const startCommand: CommandDef = {
  command: 'start [id]',
  describe: 'start a created job, or create and start an agent job: jobctl start --prompt TEXT [options]',
  type: 'start',
  options: { ...idOptions, ...observeOptions, ...definitionOptions, ...agentOptions },
  async handler(args, ctx) {
    const hasId = args['id'] !== undefined || args['task-id'] !== undefined;
    if (!hasId && isAgentJob(args)) return runCommand.handler(args, ctx);
    const stray = definitionFlags.find((f) => args[f] !== undefined);
    if (stray !== undefined) throw usageError(`--${stray} defines a new job: start ID starts a created one as it is (or give --prompt without an id)`, { flag: stray });
    const startedAt = Date.now();
    checkObserveArgs(args, ctx.warn);
    const { dir, state } = loadJob(args, ctx);
    if (state.state !== 'created') {
      throw new JobError('invalid_state', `job is ${state.state}; only a created job can be started`, { state: state.state });
    }
    await launch(ctx, dir);
    return observe(args, ctx, dir, startedAt);
  },
};
