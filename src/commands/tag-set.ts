// `tag set ID [--tag T]...`: replace the job's tags (none given = clear).
import { stringList } from '../command-support/args.js';
import { validateTags } from '../util/tags.js';
import { updateMeta } from '../store/jobs.js';
import { loadJob } from '../command-support/load-job.js';
import { idOptions, type CommandDef } from '../command-support/types.js';

export const tagSetCommand: CommandDef = {
  command: 'set [id]',
  group: 'tag',
  describe: 'replace the tags of a job',
  type: 'tag_set',
  options: { ...idOptions, tag: { type: 'string', describe: 'tag (repeatable; none clears)' } },
  async handler(args, ctx) {
    const tags = validateTags(stringList(args, 'tag'));
    const job = loadJob(args, ctx);
    const meta = await updateMeta(job.dir, (cur) => ({ ...cur, tags }));
    return { job_id: meta.job_id, tags: meta.tags };
  },
};
