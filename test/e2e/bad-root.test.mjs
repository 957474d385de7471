// A job root that cannot be created or written: every command that uses the root answers one
// io_error naming it, at once (a spinning retry loop would hit the 10 s bound and fail here),
// while the commands that need no root still answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jobctl, testDir } from '../helpers/jobctl.mjs';
import { need, mountTmpfs } from '../helpers/infra.mjs';

const BOUND_MS = 10000;
const commands = [
  ['create', '--', 'true'],
  ['run', '--', 'true'],
  ['run', '--wait', '--', 'true'],
  ['list'],
  ['status', 'abcdefgh'],
  ['tail', 'abcdefgh'],
  ['wait', 'abcdefgh'],
  ['kill', 'abcdefgh'],
  ['delete', 'abcdefgh'],
  ['gc'],
  ['gc', '--dry-run'],
];

/** Runs jobctl with `root`, SIGKILLing it after BOUND_MS; fails the test if it had to. */
async function bounded(args, root) {
  let timer;
  let hung = false;
  try {
    return await jobctl(args, {
      root,
      onSpawn: (child) => {
        timer = setTimeout(() => {
          hung = true;
          child.kill('SIGKILL');
        }, BOUND_MS);
      },
    });
  } catch (err) {
    if (hung) assert.fail(`jobctl ${args.join(' ')} with root ${root} did not answer within ${BOUND_MS} ms`);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

async function assertUnusable(root) {
  for (const args of commands) {
    const { json, code } = await bounded(args, root);
    const shown = `${args.join(' ')} (root ${root})`;
    assert.equal(json.ok, false, `${shown} must fail`);
    assert.equal(json.error.code, 'io_error', `${shown}: ${JSON.stringify(json)}`);
    assert.equal(code, 1, `${shown} exit code`);
    assert.equal(json.error.details.root, root, `${shown} names the root`);
    assert.ok(json.error.message.includes(root), `${shown} message names the root: ${json.error.message}`);
    assert.equal(typeof json.error.details.errno, 'string');
  }
  // Commands that never read the root still answer.
  for (const args of [['version'], ['schema'], ['config', 'path']]) {
    const { json } = await bounded(args, root);
    assert.equal(json.ok, true, `${args.join(' ')} needs no root`);
  }
}

test('a root under /proc (mkdir answers ENOENT there) is an io_error for every command', { skip: !existsSync('/proc/self') && 'no /proc' }, async () => {
  await assertUnusable('/proc/jobctl-no-such-root/jobs');
  await assertUnusable('/proc/jobctl-no-such-root');
});

test('a root under a regular file is an io_error (ENOTDIR) for every command', async (t) => {
  const base = testDir(t);
  writeFileSync(join(base, 'file'), 'x');
  await assertUnusable(join(base, 'file', 'jobs'));
  await assertUnusable(join(base, 'file'));
});

test('a root on a read-only filesystem is an io_error (EROFS) for every command', async (t) => {
  const { dir, error } = mountTmpfs(t, '1m');
  if (!need(t, 'tmpfs', dir !== undefined, error)) return;
  execFileSync('mount', ['-o', 'remount,ro', dir], { stdio: 'pipe' });
  // Existing but not writable, and missing but not creatable.
  await assertUnusable(dir);
  await assertUnusable(join(dir, 'jobs'));
  const { json } = await bounded(['create', '--', 'true'], dir);
  assert.equal(json.error.details.errno, 'EROFS');
});
