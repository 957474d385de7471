import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync, utimesSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { withRoot, waitFor, processAlive, runUntilRunning, settleRoot, testEnv, BIN } from '../helpers/jobctl.mjs';
import { need, mountTmpfs } from '../helpers/infra.mjs';

const stateOf = (root, id) => JSON.parse(readFileSync(join(root, id, 'state.json'), 'utf8'));

test('a reboot (different boot id) makes a running job lost without an exit code', async (t) => {
  const { run, root } = withRoot(t);
  const json = await runUntilRunning(run, ['--', 'sleep', '300']);
  const { pid } = json;
  t.after(() => { try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ } });
  // Fault injection: the state as it would be read after a reboot.
  const path = join(root, json.job_id, 'state.json');
  const state = JSON.parse(readFileSync(path, 'utf8'));
  writeFileSync(path, JSON.stringify({ ...state, boot_id: '00000000-0000-0000-0000-000000000000' }));
  const status = await run(['status', json.job_id]);
  assert.equal(status.json.state, 'lost');
  assert.equal(status.json.lost_reason, 'machine rebooted');
  assert.equal(status.json.exit_code, undefined);
  const waited = await run(['wait', '--timeout', '5s', json.job_id]);
  assert.equal(waited.json.wait_timed_out, false);
});

test('20 concurrent tag set calls end with one whole set; readers never see partial JSON', async (t) => {
  const { run } = withRoot(t);
  const { json } = await run(['create', '--', 'true']);
  const sets = Array.from({ length: 20 }, (_, i) => [`set${i}.a`, `set${i}.b`, `set${i}.c`]);
  const writers = sets.map((tags) => run(['tag', 'set', json.job_id, ...tags.flatMap((x) => ['--tag', x])]));
  const readers = Array.from({ length: 20 }, () => run(['status', json.job_id]));
  const results = await Promise.all([...writers, ...readers]);
  assert.ok(results.every((r) => r.json.ok), 'every call succeeded');
  const final = (await run(['status', json.job_id])).json.tags;
  assert.ok(sets.some((s) => JSON.stringify(s) === JSON.stringify(final)), `a whole set, not a mix: ${final}`);
});

test('a stale lock left by a dead holder is taken over', async (t) => {
  const { run, root } = withRoot(t);
  const { json } = await run(['create', '--', 'true']);
  const lock = join(root, json.job_id, '.lock');
  mkdirSync(lock);
  const old = new Date(Date.now() - 60_000);
  utimesSync(lock, old, old);
  const set = await run(['tag', 'set', json.job_id, '--tag', 'after-stale-lock']);
  assert.deepEqual(set.json.tags, ['after-stale-lock']);
});

test('60 concurrent runs all succeed with unique ids, exact output, and no supervisor left behind', async (t) => {
  const { run, root } = withRoot(t);
  const n = 60;
  const results = await Promise.all(Array.from({ length: n }, (_, i) => run(['run', '--wait', '--tag', 'load', '--', 'sh', '-c', `echo job-${i}; echo err-${i} >&2`])));
  const ids = new Set(results.map((r) => r.json.job_id));
  assert.equal(ids.size, n);
  results.forEach((r, i) => {
    assert.equal(r.json.state, 'exited');
    assert.equal(r.json.exit_code, 0);
    assert.equal(r.json.stdout_tail, `job-${i}\n`);
    assert.equal(r.json.stderr_tail, `err-${i}\n`);
  });
  const listed = await run(['list', '--all', '--tag', 'load', '--limit', '100']);
  assert.equal(listed.json.jobs.length, n);
  assert.ok(listed.json.jobs.every((j) => j.state === 'exited'));
  const supervisors = [...ids].map((id) => stateOf(root, id).supervisor_pid);
  // Every supervisor exits (a zombie counts as exited: reaping orphans is the init process's job).
  await waitFor(() => supervisors.every((pid) => !processAlive(pid)), { what: 'all supervisors to exit' });
});

test('a job filling its filesystem ends failed with disk_full, and jobctl keeps answering', async (t) => {
  const { run } = withRoot(t);
  const { dir: mnt, error } = mountTmpfs(t, '2m');
  if (!need(t, 'tmpfs', error === undefined, `cannot mount a tmpfs (${error})`)) return;
  const root = join(mnt, 'jobs');
  const { json } = await run(['run', '--wait', '--', 'sh', '-c', 'head -c 10M /dev/zero; echo finished'], { root });
  assert.equal(json.state, 'failed', JSON.stringify({ ...json, stdout_tail: undefined }));
  assert.equal(json.error.code, 'disk_full');
  assert.ok(json.stdout_total_bytes > 0 && json.stdout_total_bytes < 10 * 1024 * 1024);
  const status = await run(['status', json.job_id], { root });
  assert.equal(status.json.state, 'failed');
  const list = await run(['list', '--all'], { root });
  assert.equal(list.json.jobs.length, 1);
  // Fill the rest completely: creating a job now fails with a JSON error, not a crash.
  try { writeFileSync(join(mnt, 'filler'), Buffer.alloc(4 * 1024 * 1024)); } catch { /* full, as intended */ }
  const refused = await run(['run', '--wait', '--', 'true'], { root });
  if (!refused.json.ok) assert.equal(refused.json.error.code, 'io_error');
  assert.equal((await run(['status', json.job_id], { root })).json.state, 'failed');
  await settleRoot(root); // before the filesystem is unmounted
});

test('--max-log-bytes kills a runaway writer and cuts its log at the cap; config sets the default', async (t) => {
  const { run, base } = withRoot(t);
  const { json } = await run(['run', '--wait', '--max-log-bytes', '64K', '--', 'yes', 'runaway']);
  assert.equal(json.state, 'killed');
  assert.equal(json.signal, 'SIGKILL');
  const status = (await run(['status', json.job_id])).json;
  assert.equal(status.kill_reason, 'max_log_bytes');
  assert.equal(status.log_truncated, true);
  assert.equal(statSync(json.stdout_log_path).size, 65536);
  const config = join(base, 'config.toml');
  writeFileSync(config, '[defaults]\nmax_log_bytes = "16K"\n');
  const byConfig = await run(['run', '--wait', '--', 'sh', '-c', 'yes err >&2'], { config });
  assert.equal(statSync(byConfig.json.stderr_log_path).size, 16384);
  const under = await run(['run', '--wait', '--max-log-bytes', '1M', '--', 'echo', 'small']);
  assert.equal(under.json.state, 'exited');
  const bad = await run(['run', '--max-log-bytes', 'lots', '--', 'true']);
  assert.equal(bad.json.error.code, 'usage_error');
});

test('a launcher SIGKILLed mid run --wait leaves the job running; the supervisor finishes it', async (t) => {
  const { run, root } = withRoot(t);
  const launcher = spawn(BIN, ['run', '--wait', '--', 'sh', '-c', 'echo started; sleep 300'], {
    env: testEnv(root), detached: true, stdio: 'ignore',
  });
  t.after(() => { try { process.kill(-launcher.pid, 'SIGKILL'); } catch { /* gone */ } });
  const closed = new Promise((r) => launcher.on('close', (code, signal) => r(signal)));
  const job = await waitFor(async () => (await run(['list', '--all', '--state', 'running'])).json.jobs[0], { what: 'the job to run' });
  process.kill(-launcher.pid, 'SIGKILL');
  assert.equal(await closed, 'SIGKILL');
  const status = await run(['status', job.job_id]);
  assert.equal(status.json.state, 'running');
  assert.ok(processAlive(status.json.supervisor_pid));
  const killed = await run(['kill', '--signal', 'hup', job.job_id]);
  assert.equal(killed.json.signal, 'SIGHUP');
  assert.equal(killed.json.state, 'killed');
  assert.equal(killed.json.job.signal, 'SIGHUP');
});

test('the supervisor exits once a hanging sink times out', async (t) => {
  const { run, root, base } = withRoot(t);
  const config = join(base, 'config.toml');
  writeFileSync(config, '[notify]\ncommand_timeout = "300ms"\n');
  const { json } = await run(['run', '--wait', '--notify-command', 'sleep 600', '--', 'true'], { config });
  const supervisor = stateOf(root, json.job_id).supervisor_pid;
  await waitFor(() => !processAlive(supervisor), { what: 'the supervisor to exit' });
  const completion = JSON.parse(readFileSync(join(root, json.job_id, 'completion_event.json'), 'utf8'));
  assert.match(completion.delivery_results[0].error, /timed out/);
  assert.ok(!readdirSync(join(root, json.job_id)).includes('.reserve'), 'the reserve is released');
});
