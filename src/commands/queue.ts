// `queue`: every concurrency limit of the config — each [queues.NAME], then each executor with
// max_concurrent — and each agent session in use, with the jobs holding its slots (`running`)
// and those waiting for one (`queued`, in the order they will start). Read only: nothing is
// locked or pruned.
import { configuredLimits } from '../store/slot-limits.js';
import { slotUsage } from '../store/slot-tickets.js';
import { listJobIds } from '../store/jobs.js';
import { isJobIdShape } from '../store/ids.js';
import { activeSessionLimits } from '../store/session-slots.js';
import type { CommandDef } from '../command-support/types.js';

export const queueCommand: CommandDef = {
  command: 'queue',
  describe: 'concurrency limits (queues, executors with max_concurrent, agent sessions): running and waiting jobs',
  type: 'queue',
  options: {},
  async handler(_args, ctx) {
    const { config } = ctx.config();
    // Read once for every limit: a ticket of a job no longer in the root is not listed.
    const present = new Set(listJobIds(ctx.root, isJobIdShape));
    const limits = configuredLimits(config).map((l) => {
      const usage = slotUsage(ctx.root, l, present);
      return { name: l.name, kind: l.kind, max_concurrent: l.max, running: usage.running, queued: usage.queued };
    });
    // A session's directory can outlive its last job briefly: only sessions with a job are shown.
    for (const l of activeSessionLimits(ctx.root)) {
      const usage = slotUsage(ctx.root, l, present);
      if (usage.running.length + usage.queued.length > 0) limits.push({ name: l.name, kind: l.kind, max_concurrent: 1, running: usage.running, queued: usage.queued });
    }
    return { limits };
  },
};
