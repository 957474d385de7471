// Delivers job.finished for a job that reached its terminal state without its supervisor
// (killed while queued, recorded lost): started detached by whoever recorded that state, so
// the caller never waits for a sink. Delivers at most once: not when completion_event.json exists.
import { jobDir, readJob, readSecrets } from '../store/jobs.js';
import { completionRecorded } from '../store/notification-files.js';
import { secretValues } from '../store/types.js';
import { isTerminal } from '../job/state.js';
import { withJobLock } from '../store/lock.js';
import { registerSecret } from '../output.js';
import { notifierFor } from './notifier.js';
import { loadConfigQuietly } from '../config.js';
import { log } from '../log.js';

export async function deliverFinishedOnly(root: string, id: string, configPath: string | undefined): Promise<void> {
  const dir = jobDir(root, id);
  // Under the lock: the process that started this deliverer holds it until the terminal state
  // is on disk, so the state read here is the one that ended the job.
  const job = await withJobLock(dir, () => readJob(dir));
  if (!isTerminal(job.state.state) || completionRecorded(dir)) return;
  secretValues(readSecrets(dir)).forEach(registerSecret);
  await notifierFor(dir, id, loadConfigQuietly(configPath, (m) => log.warn(m))).finished(job);
}
