// supervisor/follow-local.ts: a local attempt's end is the time its leader exited, not the
// moment the supervisor got round to asking.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSync, closeSync, existsSync } from 'node:fs';
import { launchLocal } from '../../../dist/lib/executors/local/target.js';
import { localAttempt } from '../../../dist/lib/supervisor/follow-local.js';

const waitUntil = async (cond, what) => {
  const deadline = Date.now() + 10000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

test('the end of a local attempt is its exit event, however late it is asked for', async () => {
  const devNull = openSync('/dev/null', 'w');
  const launched = await launchLocal({ argv: ['true'], cwd: '/', env: {}, stdoutFd: devNull, stderrFd: devNull });
  closeSync(devNull);
  assert.equal(launched.ok, true);
  const { proc } = launched;
  // Reaped (by this process's own event loop, which emits the exit event at the same time).
  await waitUntil(() => !existsSync(`/proc/${proc.pid}`), 'the process to be reaped');
  await proc.exited;
  const askedAt = Date.now();
  const end = await localAttempt(proc).ended(() => undefined);
  assert.ok(end.finishedAt !== undefined, 'the attempt reports when it ended');
  assert.ok(Date.parse(end.finishedAt) <= askedAt, `${end.finishedAt} is not after ${new Date(askedAt).toISOString()}`);
  assert.deepEqual(end.exitFor(false), { code: 0, signal: null });
});
