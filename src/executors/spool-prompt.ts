// A job's stdin (an agent job's prompt, a command job's --stdin), copied into the job's spool
// directory (0700) for an executor that reads it from a path: a container's read-only bind
// mount, a Slurm batch script's stdin redirection. Invariant: the copy is 0600 (also when it
// replaces an earlier one) and holds exactly the stdin bytes.
import { writeSpoolFile } from '../store/spool.js';

/** The copy's path, or undefined for a job whose stdin is /dev/null. */
export function spoolStdin(dir: string, stdin: Buffer | undefined): string | undefined {
  if (stdin === undefined) return undefined;
  return writeSpoolFile(dir, 'prompt', stdin);
}
