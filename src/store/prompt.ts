// prompt.txt: an agent job's prompt (0600 in the 0700 job directory), written when the job is
// created. Invariant: the text only ever travels as file content or on stdin — never in an
// argv, an environment variable, meta.json or state.json.
import { readFileSync } from 'node:fs';
import { jobFiles } from './jobs.js';

/** The prompt's exact bytes (any encoding). Throws when the file cannot be read. */
export function readPrompt(dir: string): Buffer {
  return readFileSync(jobFiles(dir).prompt);
}
