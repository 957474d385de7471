// `stats`: counts by state and executor, and the root's disk use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withRoot, assertMatchesSchema } from '../helpers/jobctl.mjs';

test('stats counts jobs by state and executor and sums their disk use', async (t) => {
  const { run, root } = withRoot(t);
  const empty = (await run(['stats'])).json;
  assertMatchesSchema('stats', empty);
  assert.equal(empty.jobs, 0);
  assert.equal(empty.disk_bytes, 0);
  await run(['run', '--wait', '--', 'sh', '-c', 'head -c 5000 /dev/zero']);
  await run(['run', '--wait', '--', 'sh', '-c', 'exit 2']);
  await run(['run', '--wait', '--cwd', root, '--', 'no-such-program-here', 'arg']);
  await run(['create', '--', 'true']);
  const { json } = await run(['stats']);
  assertMatchesSchema('stats', json);
  assert.equal(json.root, root);
  assert.equal(json.jobs, 4);
  assert.deepEqual(json.by_state, { created: 1, queued: 0, running: 0, exited: 2, killed: 0, failed: 1, lost: 0, corrupt: 0 });
  // A corrupt job has no executor that could be read: only by_state counts it.
  const { corrupt, ...byJobState } = json.by_state;
  assert.equal(corrupt, 0);
  assert.deepEqual(json.by_executor.local, byJobState);
  assert.ok(json.disk_bytes >= 5000, `disk_bytes ${json.disk_bytes}`);
  assert.ok(json.filesystem_free_bytes > 0);
});
