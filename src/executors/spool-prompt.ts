// An agent job's prompt, copied into the job's spool directory (0700) for an executor that
// reads it from a path: a container's read-only bind mount, a Slurm batch script's stdin
// redirection. Invariant: the copy is 0600 (also when it replaces an earlier one) and holds
// exactly the prompt's bytes.
import { writeSpoolFile } from '../store/spool.js';

/** The copy's path, or undefined for a job without a prompt. */
export function spoolPrompt(dir: string, prompt: Buffer | undefined): string | undefined {
  if (prompt === undefined) return undefined;
  return writeSpoolFile(dir, 'prompt', prompt);
}
