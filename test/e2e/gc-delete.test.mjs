import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withRoot, runUntilRunning, supervisorGone, waitFor } from '../helpers/jobctl.mjs';

test('gc --dry-run reports, gc deletes old terminal jobs and never touches created or running ones', async (t) => {
  const { run, root } = withRoot(t);
  const done = await run(['run', '--wait', '--', 'sh', '-c', 'echo some output']);
  const failed = await run(['run', '--wait', '--', '/no/such/program']);
  const created = await run(['create', '--', 'true']);
  const running = { json: await runUntilRunning(run, ['--', 'sleep', '300']) };
  // gc waits for a supervisor still finishing its notifications: let the finished ones exit.
  await supervisorGone(root, done.json.job_id);
  await supervisorGone(root, failed.json.job_id);

  const dry = await run(['gc', '--older-than', '0', '--dry-run']);
  assert.equal(dry.json.dry_run, true);
  assert.equal(dry.json.older_than, '0ms');
  assert.equal(dry.json.older_than_source, 'flag');
  assert.equal(dry.json.deleted, 0);
  assert.equal(dry.json.would_delete, 2);
  const action = (res, id) => res.json.jobs.find((j) => j.job_id === id)?.action;
  assert.equal(action(dry, done.json.job_id), 'would_delete');
  assert.equal(action(dry, failed.json.job_id), 'would_delete');
  assert.equal(action(dry, created.json.job_id), 'skipped');
  assert.equal(action(dry, running.json.job_id), 'skipped');
  assert.ok(dry.json.freed_bytes > 0);
  assert.ok(existsSync(join(root, done.json.job_id)));

  const real = await run(['gc', '--older-than', '0']);
  assert.equal(real.json.deleted, 2);
  assert.equal(real.json.skipped, 2);
  assert.equal(action(real, done.json.job_id), 'deleted');
  assert.ok(!existsSync(join(root, done.json.job_id)));
  assert.ok(existsSync(join(root, created.json.job_id)));
  assert.equal((await run(['status', running.json.job_id])).json.state, 'running');
});

test('gc takes its window from the flag, then config, then the 30d default', async (t) => {
  const { run, base } = withRoot(t);
  await run(['run', '--wait', '--', 'true']);
  const byDefault = await run(['gc']);
  assert.equal(byDefault.json.older_than, '30d');
  assert.equal(byDefault.json.older_than_source, 'default');
  assert.equal(byDefault.json.deleted, 0);
  const config = join(base, 'config.toml');
  writeFileSync(config, '[gc]\nolder_than = "2h"\n');
  const configured = await run(['gc', '--dry-run'], { config });
  assert.equal(configured.json.older_than, '2h');
  assert.equal(configured.json.older_than_source, 'config');
  const bad = await run(['gc', '--older-than', 'forever']);
  assert.equal(bad.json.error.code, 'invalid_duration');
});

test('delete (rm, cleanup) removes a finished or created job and refuses a running one', async (t) => {
  const { run, root } = withRoot(t);
  const a = await run(['run', '--wait', '--', 'true']);
  const b = await run(['create', '--', 'true']);
  const c = await run(['run', '--wait', '--', 'true']);
  const running = await run(['run', '--snapshot-after', '0', '--', 'sleep', '300']);
  await supervisorGone(root, a.json.job_id);
  await supervisorGone(root, c.json.job_id);
  const deleted = await run(['delete', a.json.job_id]);
  assert.equal(deleted.json.type, 'delete');
  assert.equal(deleted.json.deleted, true);
  assert.ok(!existsSync(join(root, a.json.job_id)));
  assert.equal((await run(['rm', b.json.job_id])).json.deleted, true);
  assert.equal((await run(['cleanup', c.json.job_id])).json.deleted, true);
  const refused = await run(['delete', running.json.job_id]);
  assert.equal(refused.json.error.code, 'invalid_state');
  assert.ok(existsSync(join(root, running.json.job_id)));
  await run(['kill', running.json.job_id]);
  // Right after the kill its supervisor may still be delivering job.finished: retryable.
  const later = await waitFor(async () => {
    const r = await run(['delete', running.json.job_id]);
    if (!r.json.ok) assert.equal(r.json.error.retryable, true);
    return r.json.ok ? r : undefined;
  }, { what: 'delete after kill' });
  assert.equal(later.json.deleted, true);
  assert.equal((await run(['status', a.json.job_id])).json.error.code, 'job_not_found');
});
