// The runner's own record of the jobs it claimed, in its root: `<root>/.runner/<server job id>.json`
// (`claim_id`, and `local_job_id` once the local job exists). Invariants: the record is written
// before the claim is sent, so a runner restarted at any point sends the same claim again (the
// server answers the grant it recorded) instead of a new one; the local job id is recorded
// before that job is started, so a restarted runner re-attaches to it and never starts a second;
// `kill_seq` is the last kill order delivered (never twice, even across a restart); `not_run`
// says the job ended here without its command starting (killed first, or its launch failed).
// A record is written whole (write-temp-then-rename) before the runner acts on it.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { makeDirs } from '../util/make-dirs.js';
import { readJsonIfPresent, writeJsonAtomic } from './atomic.js';
import { isJobIdShape } from './ids.js';

export interface HeldJobRecord {
  server_job_id: string;
  claim_id: string;
  claimed_at: string;
  local_job_id?: string;
  /** The sequence number of the last kill order delivered. */
  kill_seq?: number;
  /** The job ended without starting: the kill order that stopped it, or why it could not launch. */
  not_run?: { signal?: string; error?: { code: string; message: string } };
}

const claimsDir = (root: string): string => join(root, '.runner');

export function writeHeldJob(root: string, record: HeldJobRecord): void {
  makeDirs(claimsDir(root), 0o700);
  writeJsonAtomic(join(claimsDir(root), `${record.server_job_id}.json`), record);
}

/** Every recorded job, oldest claim first. */
export function readHeldJobs(root: string): HeldJobRecord[] {
  let names: string[];
  try {
    names = readdirSync(claimsDir(root));
  } catch {
    return [];
  }
  const records = names
    .filter((n) => n.endsWith('.json') && isJobIdShape(n.slice(0, -5)))
    .map((n) => readJsonIfPresent<HeldJobRecord>(join(claimsDir(root), n)))
    .filter((r): r is HeldJobRecord => typeof r?.server_job_id === 'string' && typeof r.claim_id === 'string' && typeof r.claimed_at === 'string');
  return records.sort((a, b) => a.claimed_at.localeCompare(b.claimed_at));
}

export function forgetHeldJob(root: string, serverJobId: string): void {
  if (isJobIdShape(serverJobId)) rmSync(join(claimsDir(root), `${serverJobId}.json`), { force: true });
}
