// Entry of the separately bundled supervisor (dist/supervisor.cjs): the smallest module graph
// that can run a job, because one of these lives as long as each job does.
import { supervise } from './main.js';

const [root, id, configPath] = process.argv.slice(2);
if (root === undefined || id === undefined) {
  process.stderr.write('usage: supervisor.cjs ROOT ID [CONFIG]\n');
  process.exit(2);
}
supervise(root, id, configPath).then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`supervisor failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
