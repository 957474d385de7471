// Creating many jobs at once (store/job-batch.ts), on a real temp root: every job complete
// (meta, state, secrets, stdin) with one job.created each, in order; a batch that fails half-way
// creates no job and leaves what was there before untouched.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createJobs } from '../../../dist/lib/store/job-batch.js';
import { readJob, readSecrets, jobFiles } from '../../../dist/lib/store/jobs.js';
import { closeEventLog } from '../../../dist/lib/store/event-log.js';
import { queryEvents } from '../../../dist/lib/store/events.js';
import { tempRoot, jobMeta } from '../../helpers/unit-store.mjs';

const roots = [];
after(() => { for (const r of roots) { closeEventLog(r.root); r.cleanup(); } });
function freshRoot() {
  const r = tempRoot('jobctl-batch-unit-');
  roots.push(r);
  return r.root;
}
const noSecrets = { env: {}, known: {} };

test('every job of a batch is created whole, with its job.created event', () => {
  const root = freshRoot();
  const jobs = [
    { meta: jobMeta({ tags: ['a'] }), secrets: noSecrets, input: {} },
    { meta: jobMeta(), secrets: { env: { TOKEN: 's3cret' }, known: { TOKEN: 's3cret' } }, input: { stdin: Buffer.from('in\n') } },
    { meta: jobMeta({ name: 'third' }), secrets: noSecrets, input: {} },
  ];
  const dirs = createJobs(root, jobs);
  assert.deepEqual(dirs, jobs.map(({ meta }) => join(root, meta.job_id)));
  for (const [i, dir] of dirs.entries()) {
    const job = readJob(dir);
    assert.equal(job.meta.job_id, jobs[i].meta.job_id);
    assert.equal(job.state.state, 'created');
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(jobFiles(dir).state).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.tmp')), []);
  }
  assert.deepEqual(readSecrets(dirs[1]).env, { TOKEN: 's3cret' });
  assert.equal(existsSync(jobFiles(dirs[0]).secrets), false);
  const { events } = queryEvents(root, {});
  assert.deepEqual(events.map((e) => [e.event_type, e.job_id]), jobs.map(({ meta }) => ['job.created', meta.job_id]));
  assert.equal(events[2].name, 'third');
});

test('a batch that fails half-way creates no job and leaves the existing one alone', () => {
  const root = freshRoot();
  const existing = jobMeta();
  createJobs(root, [{ meta: existing, secrets: noSecrets, input: {} }]);
  // The third job's directory exists already (a regular file in its place): mkdir fails there.
  const blocked = jobMeta();
  writeFileSync(join(root, blocked.job_id), 'not a job');
  const jobs = [jobMeta(), jobMeta(), blocked, jobMeta()].map((meta) => ({ meta, secrets: noSecrets, input: {} }));
  assert.throws(() => createJobs(root, jobs), (err) => err.code === 'io_error' && /cannot create a job/.test(err.message));
  for (const { meta } of jobs.slice(0, 2).concat(jobs.slice(3))) assert.equal(existsSync(join(root, meta.job_id)), false, `${meta.job_id} left behind`);
  assert.equal(statSync(join(root, blocked.job_id)).isFile(), true);
  assert.equal(readJob(join(root, existing.job_id)).state.state, 'created');
  const { events } = queryEvents(root, {});
  assert.deepEqual(events.map((e) => e.job_id), [existing.job_id]);
});

