// `queue`: every concurrency limit of the config — each [queues.NAME], then each executor with
// max_concurrent — with the jobs holding its slots (`running`) and those waiting for one
// (`queued`, in the order they will start). Read only: nothing is locked or pruned.
import { configuredLimits } from '../store/slot-limits.js';
import { slotUsage } from '../store/slots.js';
import type { CommandDef } from './types.js';

export const queueCommand: CommandDef = {
  command: 'queue',
  describe: 'concurrency limits (queues, executors with max_concurrent): running and waiting jobs',
  type: 'queue',
  options: {},
  async handler(_args, ctx) {
    const { config } = ctx.config();
    const limits = configuredLimits(config).map((l) => {
      const usage = slotUsage(ctx.root, l);
      return { name: l.name, kind: l.kind, max_concurrent: l.max, running: usage.running, queued: usage.queued };
    });
    return { limits };
  },
};
