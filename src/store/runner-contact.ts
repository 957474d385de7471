// When each runner was last heard from, by `jobctl serve`: `<root>/.runners/contact/<name>.json`
// (`last_contact`, the runner's version and labels), shown by `executors`. Every request of a
// runner that was not refused renews it. It is not a job's lease: that is the job's own reports
// (executors/runner/target.ts). Written unsynced: a contact time lost to a crash is renewed by
// the runner's next request.
import { join } from 'node:path';
import { makeDirs } from '../util/make-dirs.js';
import { readJsonIfPresent } from './atomic.js';
import { runnersDir, writeSoftJson } from './runner-spool.js';

export interface RunnerContact {
  runner: string;
  last_contact: string;
  version?: string;
  labels?: string[];
}

const contactPath = (root: string, name: string): string => join(runnersDir(root), 'contact', `${name}.json`);

export const readContact = (root: string, name: string): RunnerContact | undefined => readJsonIfPresent<RunnerContact>(contactPath(root, name));

export function recordContact(root: string, contact: RunnerContact): void {
  makeDirs(join(runnersDir(root), 'contact'), 0o700);
  writeSoftJson(contactPath(root, contact.runner), contact);
}
