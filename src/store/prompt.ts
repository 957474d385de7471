// prompt.txt: an agent job's prompt (0600 in the 0700 job directory), written when the job is
// created. Invariant: the text only ever travels as file content or on stdin — never in an
// argv, an environment variable, meta.json or state.json.
import { closeSync, readFileSync } from 'node:fs';
import { jobFiles } from './jobs.js';
import { openForRead } from './safe-open.js';
import { JobError } from '../errors.js';

/** The prompt's exact bytes (any encoding). Throws when the file cannot be read. */
export function readPrompt(dir: string): Buffer {
  const fd = openPrompt(dir);
  try {
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** An agent job's prompt file, opened for reading (the agent's stdin). */
export function openPrompt(dir: string): number {
  let fd: number | undefined;
  try {
    fd = openForRead(jobFiles(dir).prompt);
  } catch (err) {
    throw new JobError('io_error', `cannot open the prompt file: ${(err as Error).message}`);
  }
  if (fd === undefined) throw new JobError('io_error', `cannot open the prompt file: ${jobFiles(dir).prompt} is missing`);
  return fd;
}
