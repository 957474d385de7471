// Entry point of dist/cli.cjs. Nothing here may print to stdout except via output.ts; the
// supervisor has its own entry (supervisor/entry.ts → dist/supervisor.cjs).
import { main } from './cli/main.js';
import { printError } from './output.js';
import { toJobError } from './errors.js';

main(process.argv.slice(2)).catch((err: unknown) => {
  printError(toJobError(err));
});
