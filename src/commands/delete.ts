// `delete ID` (rm, cleanup): remove one job that is not queued or running.
import { JobError } from '../errors.js';
import { dirBytes, removeJobDir } from '../store/jobs.js';
import { reconcile } from '../store/reconcile.js';
import { loadJob } from './load-job.js';
import { idOptions, type CommandDef } from './types.js';

export const deleteCommand: CommandDef = {
  command: 'delete [id]',
  aliases: ['rm', 'cleanup'],
  describe: 'remove a job that is not running',
  type: 'delete',
  options: { ...idOptions },
  async handler(args, ctx) {
    const job = await reconcile(loadJob(args, ctx));
    const state = job.state.state;
    if (state === 'queued' || state === 'running') {
      throw new JobError('invalid_state', `job is ${state}; kill it before deleting`, { state });
    }
    const bytes = dirBytes(job.dir);
    removeJobDir(job.dir);
    return { job_id: job.meta.job_id, state, deleted: true, freed_bytes: bytes };
  },
};
