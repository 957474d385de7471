// `delete ID` (rm, cleanup): remove one job that is not queued or running, and whose
// supervisor has finished delivering its notifications — and what it left on its executor.
// A corrupt job (files that cannot be read as a job) is removed as it is.
import { JobError } from '../errors.js';
import { deleteJob, inspectJob, jobDir } from '../store/jobs.js';
import { isCorrupt, type CorruptJob, type JobRecord } from '../store/types.js';
import { reconcile, liveness } from '../job/reconcile.js';
import { isSameLiveProcess, jobGroupExists } from '../util/proc.js';
import type { JobStateRecord } from '../job/state.js';
import { registerJobSecrets, resolveJobArg } from '../command-support/load-job.js';
import { idOptions, type CommandDef } from '../command-support/types.js';

/** Why a job may not be deleted now, or undefined. Shared with gc. */
export function deletionRefused(state: JobStateRecord): JobError | undefined {
  if (state.state === 'queued' || state.state === 'running') {
    return new JobError('invalid_state', `job is ${state.state}; kill it before deleting`, { state: state.state });
  }
  if (state.state === 'lost' && jobGroupExists(state.pid, state.pid_start_time)) {
    // Deleting it would lose the only record of a process that still runs.
    return new JobError('invalid_state', "the job's process is still running; kill it first", { state: state.state });
  }
  if (liveness(state).supervisorAlive || isSameLiveProcess(state.deliverer_pid, state.deliverer_start_time)) {
    return new JobError('invalid_state', 'job.finished is still being delivered; retry shortly', { state: state.state }, true);
  }
  return undefined;
}

/** deletionRefused for the job as deleteJob finds it under the lock (a corrupt one goes). */
const refuseUnlessDeletable = (job: JobRecord | CorruptJob): JobError | undefined => (isCorrupt(job) ? undefined : deletionRefused(job.state));

export const deleteCommand: CommandDef = {
  command: 'delete [id]',
  aliases: ['rm', 'cleanup'],
  describe: 'remove a job that is not running',
  type: 'delete',
  options: { ...idOptions },
  async handler(args, ctx) {
    const found = inspectJob(jobDir(ctx.root, resolveJobArg(args, ctx.root)));
    if (isCorrupt(found)) {
      const { bytes } = await deleteJob(found.dir, () => undefined);
      return { job_id: found.job_id, state: 'corrupt', deleted: true, freed_bytes: bytes };
    }
    registerJobSecrets(found);
    const job = await reconcile(found, ctx.actions);
    const refused = deletionRefused(job.state);
    if (refused !== undefined) throw refused;
    // The remote side goes first: once the job directory is gone nothing records where it was.
    const remote = job.meta.executor_def === undefined ? undefined : await (await import('../executors/cleanup.js')).cleanupRemote(job);
    const { job: deleted, bytes } = await deleteJob(job.dir, refuseUnlessDeletable);
    return { job_id: job.meta.job_id, state: isCorrupt(deleted) ? 'corrupt' : deleted.state.state, deleted: true, freed_bytes: bytes, ...(remote !== undefined ? { remote_cleanup: remote } : {}) };
  },
};
