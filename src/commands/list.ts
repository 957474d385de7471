// `list`: jobs newest first, scoped to the current directory unless --cwd or --all; --state,
// --tag, --executor and --name filter. With the default scope, `other_jobs` and `hint` say how
// many matching jobs other directories hold. `--jsonl` prints the same selection as NDJSON: one `list_item`
// line per job, then a `list_end` line.
import { optBool } from '../command-support/args.js';
import { printStreamLine, STREAMED } from '../output.js';
import { listedSummary } from '../view/job-view.js';
import type { CommandDef } from '../command-support/types.js';
import { otherJobsFields, parseSelection, selectJobs, selectionOptions } from '../command-support/job-selection.js';

export const listCommand: CommandDef = {
  command: 'list',
  aliases: ['ls'],
  describe: 'jobs, newest first',
  type: 'list',
  options: {
    ...selectionOptions,
    jsonl: { type: 'boolean', describe: 'NDJSON: one list_item line per job, then list_end' },
  },
  async handler(args, ctx) {
    const selection = parseSelection(args);
    const jsonl = optBool(args, 'jsonl');
    const { jobs, more, otherJobs } = await selectJobs(ctx.root, selection, ctx.actions);
    const summaries = jobs.map(listedSummary);
    if (jsonl) {
      for (const summary of summaries) printStreamLine('list_item', summary);
      printStreamLine('list_end', { count: summaries.length, truncated: more, ...otherJobsFields(selection, otherJobs) });
      return STREAMED;
    }
    return {
      root: ctx.root,
      ...(selection.cwd !== undefined ? { cwd: selection.cwd } : {}),
      jobs: summaries,
      count: jobs.length,
      truncated: more,
      ...otherJobsFields(selection, otherJobs),
    };
  },
};
