// The files `jobctl serve` reads or writes itself: the root's token (created 0600 once, kept,
// never read through a symlink) and the dashboard's files (plain names inside their directory
// only, no symlink followed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readOrCreateServeToken, serveTokenPath } from '../../../dist/lib/store/serve-token.js';
import { readDashboardFile } from '../../../dist/lib/serve/routes-dashboard.js';

function tempDir(t) {
  const dir = mkdtempSync(join(tmpdir(), 'jobctl-serve-unit-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('the root\'s token: created 0600 in a 0700 directory, then read back unchanged', (t) => {
  const root = tempDir(t);
  const first = readOrCreateServeToken(root);
  assert.equal(first.path, serveTokenPath(root));
  assert.match(first.token, /^[0-9a-f]{64}$/);
  assert.equal(statSync(first.path).mode & 0o777, 0o600);
  assert.equal(statSync(join(root, '.serve')).mode & 0o777, 0o700);
  assert.deepEqual(readOrCreateServeToken(root), first);
  assert.notEqual(readOrCreateServeToken(tempDir(t)).token, first.token, 'each root its own token');
});

test('the root\'s token: a symlink or an empty file in its place is an io_error, never followed or replaced', (t) => {
  const root = tempDir(t);
  mkdirSync(join(root, '.serve'));
  writeFileSync(join(root, 'elsewhere'), 'a-token-someone-planted-0123456789');
  symlinkSync(join(root, 'elsewhere'), serveTokenPath(root));
  assert.throws(() => readOrCreateServeToken(root), { code: 'io_error' });
  rmSync(serveTokenPath(root));
  writeFileSync(serveTokenPath(root), '\n');
  assert.throws(() => readOrCreateServeToken(root), { code: 'io_error' });
  assert.equal(readFileSync(serveTokenPath(root), 'utf8'), '\n', 'left as it was');
});

test('dashboard files: plain names inside the directory; dot segments, NUL, backslashes and symlinks are not_found', (t) => {
  const base = tempDir(t);
  const dir = join(base, 'dashboard');
  mkdirSync(join(dir, 'img'), { recursive: true });
  writeFileSync(join(dir, 'app.js'), 'ok');
  writeFileSync(join(dir, 'img', 'logo.svg'), '<svg/>');
  writeFileSync(join(base, 'secret.txt'), 'secret');
  writeFileSync(join(dir, '.hidden'), 'hidden');
  symlinkSync(join(base, 'secret.txt'), join(dir, 'link.txt'));
  assert.equal(readDashboardFile(dir, 'app.js').toString(), 'ok');
  assert.equal(readDashboardFile(dir, 'img/logo.svg').toString(), '<svg/>');
  for (const name of ['../secret.txt', 'img/../../secret.txt', '.hidden', 'link.txt', 'app.js\0', 'img\\..\\..\\secret.txt', '', 'img/', 'img', 'missing.js', '/etc/passwd']) {
    assert.throws(() => readDashboardFile(dir, name), { code: 'not_found' }, JSON.stringify(name));
  }
});
