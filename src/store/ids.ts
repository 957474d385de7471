// Job ids: 20 random characters of [0-9a-z]. Any unique prefix resolves; anything that is not
// id-shaped is job_not_found before a path is ever built from it, so no id reaches outside the root.
import { customAlphabet } from 'nanoid';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { JobError } from '../errors.js';

export const ID_LENGTH = 20;
export const SHORT_ID_LENGTH = 8;
const ID_SHAPE = /^[0-9a-z]{1,64}$/;

export const newJobId = customAlphabet('0123456789abcdefghijklmnopqrstuvwxyz', ID_LENGTH);
export const shortId = (id: string): string => id.slice(0, SHORT_ID_LENGTH);
export const isJobIdShape = (name: string): boolean => ID_SHAPE.test(name);

function notFound(input: string): JobError {
  return new JobError('job_not_found', `no job matches ${JSON.stringify(input.slice(0, 100))}`, { job_id: input.slice(0, 100) });
}

function isJobDir(root: string, name: string): boolean {
  try {
    return statSync(join(root, name, 'meta.json')).isFile();
  } catch {
    return false;
  }
}

/** Resolves a full id or a unique prefix to the full id. */
export function resolveJobId(root: string, input: unknown): string {
  if (typeof input !== 'string' || input === '') {
    throw new JobError('usage_error', 'a job id is required');
  }
  if (!ID_SHAPE.test(input)) throw notFound(input);
  if (input.length >= ID_LENGTH && isJobDir(root, input)) return input;
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    throw notFound(input);
  }
  const candidates = names.filter((n) => n.startsWith(input) && ID_SHAPE.test(n) && isJobDir(root, n));
  if (candidates.length === 0) throw notFound(input);
  if (candidates.length > 1) {
    throw new JobError('ambiguous_job_id', `${candidates.length} jobs match prefix ${JSON.stringify(input)}`, {
      job_id: input,
      candidates: candidates.sort().slice(0, 20),
    });
  }
  return candidates[0] as string;
}
