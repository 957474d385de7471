// `create`: persist a job definition without starting anything.
import { createJob, jobFiles } from '../store/jobs.js';
import { shortId } from '../store/ids.js';
import { agentOptions } from '../command-support/agent-options.js';
import { definitionOptions, snapshotDefaults } from '../command-support/definition-options.js';
import { buildDefinition } from '../command-support/job-definition.js';
import type { CommandDef } from '../command-support/types.js';
import { limitFields } from '../view/job-view.js';

export const createCommand: CommandDef = {
  command: 'create',
  describe: 'define a job without starting it: jobctl create [options] [--] CMD...',
  type: 'create',
  takesCommand: true,
  options: { ...definitionOptions, ...agentOptions, ...snapshotDefaults },
  async handler(args, ctx) {
    const { meta, secrets, prompt, stdin } = buildDefinition(args, ctx);
    const dir = createJob(ctx.root, meta, secrets, { prompt, stdin });
    const files = jobFiles(dir);
    return {
      job_id: meta.job_id,
      short_id: shortId(meta.job_id),
      state: 'created',
      tags: meta.tags,
      ...limitFields(meta),
      stdout_log_path: files.stdout,
      stderr_log_path: files.stderr,
    };
  },
};
