import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withRoot, waitFor, processAlive, runUntilRunning } from '../helpers/jobctl.mjs';

const readLines = (p) => (existsSync(p) ? readFileSync(p, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);

test('durations beyond 24.8 days are honoured, not fired at once', async (t) => {
  const { run } = withRoot(t);
  const job = await runUntilRunning(run, ['--timeout', '30d', '--kill-after', '30d', '--', 'sleep', '300']);
  const waiting = run(['wait', '--timeout', '30d', '--wait-poll-ms', '100', job.job_id]);
  const status = (await run(['status', job.job_id])).json;
  assert.equal(status.state, 'running');
  assert.equal(status.timed_out, undefined);
  const killed = await run(['kill', '--grace', '30d', job.job_id]);
  assert.equal(killed.json.job.signal, 'SIGTERM');
  // The wait ended because the job did, not because a 30-day deadline fired at once.
  const waited = await waiting;
  assert.equal(waited.json.wait_timed_out, false);
  assert.equal(waited.json.state, 'killed');
});

test('a short masked value keeps every output valid JSON; a longer secret is never half-shown', async (t) => {
  const { run } = withRoot(t);
  const { json } = await run(['run', '--wait', '--env', 'PIN=0', '--mask', 'PIN', '--', 'sh', '-c', 'echo "pin is $PIN"; exit 0']);
  assert.equal(json.exit_code, 0);
  assert.equal(json.stdout_tail, 'pin is ***\n');
  assert.ok(!json.stdout_log_path.includes('***'), 'paths are not redacted');
  const nested = await run(['run', '--wait', '--env', 'U=admin', '--env', 'P=admin-s3cret', '--mask', 'U', '--mask', 'P', '--', 'sh', '-c', 'echo "$P"']);
  assert.equal(nested.json.stdout_tail, '***\n');
});

test('a stray directory named like an id (constructor) does not break list', async (t) => {
  const { run, root } = withRoot(t);
  await run(['create', '--', 'true']);
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(root, 'constructor'));
  const listed = await run(['list', '--all']);
  assert.equal(listed.json.jobs.length, 1);
});

test('--mask of an inherited or env-file variable redacts it too; an unknown one is refused', async (t) => {
  const { run, base } = withRoot(t);
  const inherited = await run(['run', '--wait', '--mask', 'HIDDEN', '--', 'sh', '-c', 'echo "$HIDDEN"'], { env: { HIDDEN: 'inherited-secret-42' } });
  assert.equal(inherited.json.stdout_tail, '***\n');
  const envFile = join(base, 'job.env');
  writeFileSync(envFile, 'FILE_TOKEN=file-secret-77\n');
  const fromFile = await run(['run', '--wait', '--env-file', envFile, '--mask', 'FILE_TOKEN', '--', 'sh', '-c', 'echo "$FILE_TOKEN"']);
  assert.equal(fromFile.json.stdout_tail, '***\n');
  assert.equal((await run(['tail', fromFile.json.job_id])).json.stdout_tail, '***\n');
  const unknown = await run(['run', '--mask', 'NOT_SET_ANYWHERE_1234', '--', 'true']);
  assert.equal(unknown.json.error.code, 'usage_error');
});

test('a lost job still gets its job.finished, once', async (t) => {
  const { run, root, base } = withRoot(t);
  const events = join(base, 'finished.ndjson');
  const job = await runUntilRunning(run, ['--notify-file', events, '--', 'sleep', '300']);
  process.kill(job.supervisor_pid, 'SIGKILL');
  process.kill(-job.pid, 'SIGKILL');
  await waitFor(() => !processAlive(job.supervisor_pid) && !processAlive(job.pid), { what: 'supervisor and job to die' });
  assert.equal((await run(['status', job.job_id])).json.state, 'lost');
  await run(['status', job.job_id]);
  const lines = await waitFor(() => { const l = readLines(events); return l.length > 0 ? l : undefined; }, { what: 'the job.finished line' });
  assert.equal(lines[0].state, 'lost');
  const completion = JSON.parse(readFileSync(join(root, job.job_id, 'completion_event.json'), 'utf8'));
  await waitFor(() => JSON.parse(readFileSync(join(root, job.job_id, 'completion_event.json'), 'utf8')).delivery_results.length === 1, { what: 'the delivery record' });
  assert.equal(completion.event_type, 'job.finished');
  assert.equal(readLines(events).length, 1, 'delivered once');
});

test('delete waits for a supervisor still delivering notifications', async (t) => {
  const { run, root, base } = withRoot(t);
  const gate = join(base, 'gate');
  try {
    const { json } = await run(['run', '--wait', '--notify-command', `while [ ! -e ${gate} ]; do sleep 0.05; done`, '--', 'true']);
    const refused = await run(['delete', json.job_id]);
    assert.equal(refused.json.error.code, 'invalid_state');
    assert.equal(refused.json.error.retryable, true);
    const gc = await run(['gc', '--older-than', '0']);
    assert.equal(gc.json.jobs[0].action, 'skipped');
    writeFileSync(gate, '');
    const deleted = await waitFor(async () => { const r = await run(['delete', json.job_id]); return r.json.ok ? r : undefined; }, { what: 'delete to succeed' });
    assert.equal(deleted.json.deleted, true);
    assert.deepEqual(readdirSync(root).filter((n) => !n.startsWith('.')), []);
  } finally {
    writeFileSync(gate, ''); // never leave the sink looping
  }
});

test('a broken config fails run before any job is created', async (t) => {
  const { run, root, base } = withRoot(t);
  const config = join(base, 'broken.toml');
  writeFileSync(config, '[shell\n');
  const res = await run(['run', '--max-log-bytes', '1M', '--', 'true'], { config });
  assert.equal(res.json.error.code, 'config_error');
  assert.ok(!existsSync(root) || readdirSync(root).length === 0);
});
