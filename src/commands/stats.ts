// `stats`: how many jobs are in each state, per executor, and what the root takes on disk.
// States are reconciled like `list` does (a job whose supervisor is gone counts as lost); jobs
// whose files cannot be read count as `corrupt` (no executor is known for them).
import { dirBytes, freeBytes } from '../store/jobs.js';
import { scanJobs } from '../store/scan.js';
import { reconcile } from '../job/reconcile.js';
import { isTerminal, zeroStateCounts, type JobStateName } from '../job/state.js';
import { isCorrupt } from '../store/types.js';
import type { CommandDef } from '../command-support/types.js';

export const statsCommand: CommandDef = {
  command: 'stats',
  describe: 'job counts by state and executor, and disk use of the root',
  type: 'stats',
  options: {},
  async handler(_args, ctx) {
    const byState: Record<JobStateName | 'corrupt', number> = { ...zeroStateCounts(), corrupt: 0 };
    const byExecutor: Record<string, Record<JobStateName, number>> = {};
    let bytes = 0;
    let jobs = 0;
    for (const found of scanJobs(ctx.root)) {
      if (isCorrupt(found)) {
        jobs++;
        byState.corrupt++;
        bytes += dirBytes(found.dir);
        continue;
      }
      let job = found;
      try {
        if (!isTerminal(job.state.state)) job = await reconcile(found, ctx.actions);
      } catch {
        continue; // deleted meanwhile
      }
      jobs++;
      byState[job.state.state]++;
      (byExecutor[job.meta.executor] ??= zeroStateCounts())[job.state.state]++;
      bytes += dirBytes(job.dir);
    }
    const free = freeBytes(ctx.root); // undefined before the root exists
    return {
      root: ctx.root,
      jobs,
      by_state: byState,
      by_executor: byExecutor,
      disk_bytes: bytes,
      ...(free !== undefined ? { filesystem_free_bytes: free } : {}),
    };
  },
};
