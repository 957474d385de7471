// Provider commands in a process group of their own (executors/cloud/command-group.ts), with
// real shell commands: the group is recorded before the command starts, a timeout kills the
// whole group, and a leftover process holding the pipe does not hold up the answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommandGroup } from '../../../dist/lib/executors/cloud/command-group.js';
import { waitFor, processAlive } from '../../helpers/jobctl.mjs';
import { tempRoot } from '../../helpers/unit-store.mjs';

function scratch(t) {
  const { root, cleanup } = tempRoot();
  t.after(cleanup);
  return root;
}

test('command group: recorded before the command runs, from /, stdin and env passed', async (t) => {
  const dir = scratch(t);
  const marker = join(dir, 'ran');
  let seen;
  const r = await runCommandGroup(`pwd; cat; echo "$JOBCTL_X"; touch ${marker}`, { JOBCTL_X: 'x1' }, 10_000, '{"a":1}\n', async (group) => {
    seen = group;
    assert.equal(existsSync(marker), false, 'the command has not started while the group is being recorded');
    assert.equal(readFileSync(`/proc/${group.pgid}/stat`, 'utf8').split(') ')[1].split(' ')[2], String(group.pgid), 'its own process group');
  });
  assert.ok(seen.pgid > 0 && seen.start_time !== '');
  assert.equal(r.ok, true, r.why);
  assert.equal(r.stdout, '/\n{"a":1}\nx1\n');
});

test('command group: a failure to record the group means the command never runs', async (t) => {
  const dir = scratch(t);
  const marker = join(dir, 'ran');
  await assert.rejects(runCommandGroup(`touch ${marker}`, {}, 10_000, '', async () => { throw new Error('record gone'); }), /record gone/);
  assert.equal(existsSync(marker), false);
});

test('command group: a timeout kills every process of the group and does not wait for a pipe held open', async (t) => {
  const dir = scratch(t);
  const pids = join(dir, 'pids');
  const r = await runCommandGroup(`sleep 600 & echo $! > ${pids}; sleep 600`, {}, 1500, '');
  assert.equal(r.ok, false);
  assert.equal(r.timedOut, true);
  assert.match(r.why, /timed out/);
  const background = Number(readFileSync(pids, 'utf8'));
  await waitFor(() => !processAlive(background), { what: 'the background member of the group to be killed' });
});

test('command group: exit status and stderr are reported', async () => {
  const r = await runCommandGroup('echo "quota exceeded" >&2; exit 3', {}, 10_000, '');
  assert.equal(r.ok, false);
  assert.equal(r.timedOut, false);
  assert.equal(r.why, 'exited 3: quota exceeded');
});
