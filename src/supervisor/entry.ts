// Entry of the separately bundled supervisor (dist/supervisor.cjs): the smallest module graph
// that can run a job, because one of these lives as long as each job does.
//   supervisor.cjs ROOT ID [CONFIG]            supervise a claimed (queued) job
//   supervisor.cjs --deliver ROOT ID [CONFIG]  deliver job.finished of a job ended without one
import { supervise } from './main.js';
import { deliverFinishedOnly } from './deliver-only.js';
import { stopSettled } from './stop-signals.js';

const args = process.argv.slice(2);
const deliver = args[0] === '--deliver';
const [root, id, configPath] = deliver ? args.slice(1) : args;
if (root === undefined || id === undefined) {
  process.stderr.write('usage: supervisor.cjs [--deliver] ROOT ID [CONFIG]\n');
  process.exit(2);
}
(deliver ? deliverFinishedOnly(root, id, configPath) : supervise(root, id, configPath)).then(
  // A stop begun by a signal finishes its record and delivery first (stop-signals.ts).
  () => stopSettled().then(() => process.exit(0)),
  (err: unknown) => {
    process.stderr.write(`supervisor failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
