// `submit FILE|-`: many jobs in one call, from NDJSON (one job per line; command-support/
// submit-lines.ts). Every line is validated — its whole definition built, as run/create build
// one — before the first job is created: a bad line creates nothing. Then every job is created
// at once (store/job-batch.ts: durable together, all or none) and, unless `create_only`, each is
// started like `run` does: a job with a limit or dependencies is
// parked in its line with a queued_at strictly after the previous line's (the file's order is
// its order in every queue), and the dispatcher runs after the first of them, then every
// DISPATCH_EVERY, then once at the end: the first jobs run while the rest are being parked
// (a supervisor ending its job takes the next one, parked or not yet, in the line's order).
import { readState } from '../store/jobs.js';
import { createJobs } from '../store/job-batch.js';
import { shortId } from '../store/ids.js';
import { agentOptions } from '../command-support/agent-options.js';
import { definitionOptions, snapshotDefaults } from '../command-support/definition-options.js';
import { buildLines, readLines } from '../command-support/submit-lines.js';
import { launch } from '../command-support/launch.js';
import { optString } from '../command-support/args.js';
import type { CommandDef } from '../command-support/types.js';
import { registerSecret } from '../output.js';
import { secretValues } from '../store/types.js';
import { usageError } from '../errors.js';

const LINE_FIELDS = { ...definitionOptions, ...agentOptions, ...snapshotDefaults };
const DISPATCH_EVERY = 100;

export const submitCommand: CommandDef = {
  command: 'submit [file]',
  describe: 'create and start many jobs from NDJSON, one job per line: jobctl submit FILE|-',
  type: 'submit',
  options: {},
  async handler(args, ctx) {
    const file = optString(args, 'file');
    if (file === undefined || file === '') throw usageError('a file of jobs (NDJSON, one per line) or - for stdin is required');
    const lines = buildLines(readLines(file), LINE_FIELDS, ctx);
    for (const { definition } of lines) secretValues(definition.secrets).forEach(registerSecret);
    const dirs = createJobs(ctx.root, lines.map(({ definition: { meta, secrets, prompt, stdin } }) => ({ meta, secrets, input: { prompt, stdin } })));
    const created: { job_id: string; short_id: string; line: number; dir: string }[] = [];
    let last = 0;
    let launched = 0;
    for (const [i, { line, definition: { meta }, createOnly }] of lines.entries()) {
      const dir = dirs[i] as string;
      if (!createOnly) {
        last = Math.max(Date.now(), last + 1);
        await launch(ctx, dir, meta, { queuedAt: new Date(last).toISOString(), dispatch: false });
        if (launched++ % DISPATCH_EVERY === 0) await ctx.actions.startWaiting?.(ctx.root);
      }
      created.push({ job_id: meta.job_id, short_id: shortId(meta.job_id), line, dir });
    }
    await ctx.actions.startWaiting?.(ctx.root);
    return { jobs: created.map(({ dir, ...job }) => ({ ...job, state: readState(dir).state })), count: created.length };
  },
};
