// util/make-dirs.ts: mkdir -p that fails at once where Node's recursive mkdir spins (under /proc)
// and names the path that failed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDirs } from '../../../dist/lib/util/make-dirs.js';

function temp(t) {
  const dir = mkdtempSync(join(tmpdir(), 'jobctl-mkdirs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('creates missing parents with the mode, and is a no-op on an existing directory', (t) => {
  const base = temp(t);
  const deep = join(base, 'a', 'b', 'c');
  makeDirs(deep, 0o700);
  assert.ok(statSync(deep).isDirectory());
  assert.equal(statSync(join(base, 'a')).mode & 0o777, 0o700);
  makeDirs(deep, 0o700);
  makeDirs(base, 0o700);
  assert.ok(statSync(deep).isDirectory());
});

test('a path under a regular file fails with ENOTDIR and creates nothing', (t) => {
  const base = temp(t);
  writeFileSync(join(base, 'file'), 'x');
  assert.throws(() => makeDirs(join(base, 'file', 'x', 'y')), (err) => err.code === 'ENOTDIR' && err.path.startsWith(join(base, 'file')));
  assert.throws(() => makeDirs(join(base, 'file')), (err) => err.code === 'ENOTDIR' && err.path === join(base, 'file'));
  assert.ok(!existsSync(join(base, 'x')));
});

test('a path under /proc fails once (Node\'s recursive mkdir loops there forever)', { skip: !existsSync('/proc/self') && 'no /proc' }, () => {
  assert.throws(() => makeDirs('/proc/jobctl-no-such/a/b'), (err) => err.code === 'ENOENT' && err.path === '/proc/jobctl-no-such');
});
