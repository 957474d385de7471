// notify/file-sink.ts: one appended line per event on a regular file; anything else (a FIFO
// nobody reads, a directory, a device) is a failed delivery at once, never a blocked process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendEventLine } from '../../../dist/lib/notify/file-sink.js';

function temp(t) {
  const dir = mkdtempSync(join(tmpdir(), 'jobctl-file-sink-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a regular file gets one line per event, created 0600', async (t) => {
  const path = join(temp(t), 'events.ndjson');
  for (const n of [1, 2]) assert.equal((await appendEventLine(path, JSON.stringify({ n }), 5000)).ok, true);
  assert.equal(readFileSync(path, 'utf8'), '{"n":1}\n{"n":2}\n');
  assert.equal(statSync(path).mode & 0o777, 0o600);
});

test('a FIFO, a directory or a device is refused without blocking', async (t) => {
  const dir = temp(t);
  const fifo = join(dir, 'events.fifo');
  execFileSync('mkfifo', [fifo]);
  const sub = join(dir, 'sub');
  mkdirSync(sub);
  for (const [path, kind] of [[fifo, 'a FIFO'], [sub, 'a directory'], ['/dev/null', 'a character device']]) {
    const result = await appendEventLine(path, '{}', 60000);
    assert.equal(result.ok, false, path);
    assert.equal(result.error, `${path} is ${kind}, not a regular file`);
    assert.equal(result.sink, 'file');
  }
});
