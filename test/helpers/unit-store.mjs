// Fixtures for the in-process unit tests of the job store and the lifecycle core: a temporary
// job root, jobs made with the store's own createJob, a state put in place for a test, and the
// process identities a test needs (this process as a live supervisor, an exited child as a
// dead one).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createJob, jobFiles, readState } from '../../dist/lib/store/jobs.js';
import { newJobId } from '../../dist/lib/store/ids.js';
import { bootId, processStartTime } from '../../dist/lib/util/proc.js';

/** A fresh job root; `cleanup()` removes it. */
export function tempRoot(prefix = 'jobctl-unit-') {
  const root = mkdtempSync(join(tmpdir(), prefix));
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** The definition of a plain local job (`meta` overrides any field). */
export function jobMeta(overrides = {}) {
  return {
    job_id: newJobId(),
    created_at: new Date().toISOString(),
    command: 'echo hi',
    argv: ['sh', '-c', 'echo hi'],
    cwd: tmpdir(),
    env: {},
    mask: [],
    kill_after_ms: 5000,
    tags: [],
    executor: 'local',
    notification: {},
    tail_lines: 20,
    max_bytes: 65536,
    ...overrides,
  };
}

/** Creates a job (state `created`) through the store; returns its id and directory. */
export function makeJob(root, metaOverrides = {}) {
  const meta = jobMeta(metaOverrides);
  const dir = createJob(root, meta, { env: {}, known: {} });
  return { id: meta.job_id, dir, meta };
}

/**
 * Puts `state` in place as the job's state.json (test setup only: a job is put straight into
 * the state a case starts from, instead of being walked there through the transitions).
 */
export function putState(dir, state) {
  writeFileSync(jobFiles(dir).state, JSON.stringify(state) + '\n', { mode: 0o600 });
  return readState(dir);
}

/** This process: a supervisor that is verifiably alive. */
export function selfProcess() {
  const startTime = processStartTime(process.pid);
  if (startTime === undefined) throw new Error('cannot read the start time of this process from /proc');
  return { pid: process.pid, startTime, bootId: bootId() };
}

/** The pid of a child that has exited (and was reaped), with a start time that is not its own. */
export async function deadProcess() {
  const child = spawn('true', [], { stdio: 'ignore' });
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`true exited with ${code}`);
  return { pid: child.pid, startTime: '1' };
}

export const isoAgo = (ms) => new Date(Date.now() - ms).toISOString();
