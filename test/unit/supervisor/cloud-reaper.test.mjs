// The cloud reaper's look (supervisor/cloud-reaper.ts): one executor whose records cannot be
// read does not stop the others, and what went wrong is noted under the root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { reapOnce, reaperLogPath } from '../../../dist/lib/supervisor/cloud-reaper.js';
import { readInstances, writeInstance } from '../../../dist/lib/store/cloud-instances.js';
import { isoAgo, tempRoot } from '../../helpers/unit-store.mjs';

test('reaper: a failing executor is noted in .cloud/reaper.log and looked at again soon; the others are still reaped', async (t) => {
  const { root, cleanup } = tempRoot();
  t.after(cleanup);
  const calls = join(root, 'calls.log');
  const destroy = join(root, 'destroy.sh');
  writeFileSync(destroy, `#!/bin/sh\ncat >/dev/null\necho "$JOBCTL_INSTANCE_NAME" >> "${calls}"\n`);
  chmodSync(destroy, 0o755);
  const def = { type: 'cloud', provider: 'command', provision: 'false', destroy, labels: [], env: {}, idle_timeout_ms: 1000, boot_timeout_ms: 5000, instance_jobs: 1, per_job: false };
  writeInstance(root, { name: 'jobctl-idle00000001', executor: 'good', state: 'ready', created_at: isoAgo(60_000), idle_since: isoAgo(30_000), jobs: [], def, instance_id: 'i-1' });
  // A record without its definition: every look at this executor throws.
  const bad = join(root, '.cloud', 'bad');
  mkdirSync(bad, { recursive: true, mode: 0o700 });
  writeFileSync(join(bad, 'jobctl-bad000000001.json'), JSON.stringify({ name: 'jobctl-bad000000001', executor: 'bad', state: 'ready', created_at: isoAgo(1000), jobs: [], def: null }));
  const before = Date.now();
  const r = await reapOnce(root);
  assert.deepEqual(readInstances(root, 'good'), [], 'the good executor\'s idle instance was destroyed');
  assert.equal(readFileSync(calls, 'utf8').trim(), 'jobctl-idle00000001');
  assert.ok(existsSync(reaperLogPath(root)));
  assert.match(readFileSync(reaperLogPath(root), 'utf8'), /^\S+ bad: /m);
  assert.ok(r.next !== undefined && r.next >= before, 'the failing executor is looked at again');
  assert.equal(r.unusable, false);
});
