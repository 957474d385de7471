// Entry point. `_supervise` goes straight to the supervisor without loading the CLI parser;
// everything else goes through cli/main.ts. Nothing here may print to stdout except via output.ts.
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(import.meta.url);
const argv = process.argv.slice(2);

async function run(): Promise<void> {
  if (argv[0] === '_supervise') {
    const { supervise } = await import('./supervisor/main.js');
    const [, root, id, configPath] = argv;
    if (root === undefined || id === undefined) process.exit(2);
    await supervise(root, id, configPath);
    process.exit(0);
  }
  const { main } = await import('./cli/main.js');
  await main(argv, entry);
}

run().catch(async (err: unknown) => {
  if (argv[0] === '_supervise') {
    process.stderr.write(`supervisor failed: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  }
  const { printError } = await import('./output.js');
  const { toJobError } = await import('./errors.js');
  printError(toJobError(err));
});
