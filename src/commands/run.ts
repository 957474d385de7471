// `run`: create and start a job, observe it up to --snapshot-after (or to the end with --wait).
import { createJob } from '../store/jobs.js';
import { agentOptions } from '../command-support/agent-options.js';
import { definitionOptions, observeOptions } from '../command-support/definition-options.js';
import { buildDefinition } from '../command-support/job-definition.js';
import { launch, observe, checkObserveArgs } from '../command-support/launch.js';
import type { CommandDef } from '../command-support/types.js';
import { registerSecret } from '../output.js';
import { secretValues } from '../store/types.js';

export const runCommand: CommandDef = {
  command: 'run',
  describe: 'create and start a job: jobctl run [options] [--] CMD...',
  type: 'run',
  takesCommand: true,
  options: { ...definitionOptions, ...agentOptions, ...observeOptions },
  async handler(args, ctx) {
    const startedAt = Date.now();
    checkObserveArgs(args, ctx.warn);
    const { meta, secrets, prompt, stdin } = buildDefinition(args, ctx);
    secretValues(secrets).forEach(registerSecret);
    const dir = createJob(ctx.root, meta, secrets, { prompt, stdin });
    await launch(ctx, dir, meta);
    return observe(args, ctx, dir, startedAt);
  },
};
