// Entry of the separately bundled supervisor (dist/supervisor.cjs): the smallest module graph
// that can run a job, because one of these lives as long as each job does.
//   supervisor.cjs ROOT ID [CONFIG]            supervise a claimed (queued) job
//   supervisor.cjs --deliver ROOT ID [CONFIG]  deliver job.finished of a job ended without one
//   supervisor.cjs --timer ROOT [CONFIG]       the root's retry timer (retry-timer.ts)
//   supervisor.cjs --reaper ROOT               the root's cloud reaper (cloud-reaper.ts)
import { superviseChain } from './chain.js';
import { deliverFinishedOnly } from './deliver-only.js';
import { stopSettled } from './stop-signals.js';
import { runRetryTimer } from './retry-timer.js';
import { runCloudReaper } from './cloud-reaper.js';
import { startWaitingJobs, supervisorActions } from './start.js';

const args = process.argv.slice(2);
const mode = args[0] === '--deliver' || args[0] === '--timer' || args[0] === '--reaper' ? args[0] : undefined;
const rest = mode === undefined ? args : args.slice(1);
const [root, id, configPath] = mode === '--timer' || mode === '--reaper' ? [rest[0], '', rest[1]] : rest;
if (root === undefined || id === undefined) {
  process.stderr.write('usage: supervisor.cjs [--deliver] ROOT ID [CONFIG] | --timer ROOT [CONFIG] | --reaper ROOT\n');
  process.exit(2);
}
const run = (): Promise<void> => {
  if (mode === '--deliver') return deliverFinishedOnly(root, id, configPath);
  if (mode === '--reaper') return runCloudReaper(root);
  if (mode === '--timer') return runRetryTimer(root, () => startWaitingJobs(root, () => configPath, supervisorActions(() => configPath)));
  return superviseChain(root, id, configPath);
};
run().then(
  // A stop begun by a signal finishes its record and delivery first (stop-signals.ts).
  () => stopSettled().then(() => process.exit(0)),
  (err: unknown) => {
    process.stderr.write(`supervisor failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
