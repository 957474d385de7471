// supervisor/output-follower.ts: lines up to MAX_LINE_BYTES are matched whole; a longer line is
// matched on its start only (cut at a character boundary) and flagged, and its rest is never
// matched as if it began a line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutputFollower, MAX_LINE_BYTES } from '../../../dist/lib/supervisor/output-follower.js';

function follow(t, pattern, matchType = 'contains') {
  const dir = mkdtempSync(join(tmpdir(), 'jobctl-follower-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const paths = { stdout: join(dir, 'stdout.log'), stderr: join(dir, 'stderr.log') };
  writeFileSync(paths.stdout, '');
  writeFileSync(paths.stderr, '');
  const matches = [];
  const follower = new OutputFollower(paths, (stream, line, _config, truncated) => matches.push({ stream, line, truncated }));
  follower.setConfig({ pattern, match_type: matchType, stream: 'either', since: { stdout: 0, stderr: 0 } });
  return { write: (text) => appendFileSync(paths.stdout, text), follower, matches };
}

test('an over-long line is matched on its start, cut at a character boundary, and its rest is skipped', (t) => {
  const { write, follower, matches } = follow(t, 'é');
  // 'é' is two bytes: a line of them crosses the limit in the middle of one.
  write(`${'é'.repeat(MAX_LINE_BYTES)}\n`);
  follower.poll();
  write('tail é\n');
  follower.poll(true);
  assert.equal(matches.length, 2);
  assert.equal(matches[0].truncated, true);
  assert.equal(Buffer.byteLength(matches[0].line), MAX_LINE_BYTES);
  assert.ok(!matches[0].line.includes('\uFFFD'), 'no character is cut in half');
  assert.deepEqual(matches[1], { stream: 'stdout', line: 'tail é', truncated: false });
});

test('an endless line read in many polls is never matched from its middle', (t) => {
  const { write, follower, matches } = follow(t, '^E', 'regex');
  // Polls that leave the text after the limit starting exactly at `E`.
  write('x'.repeat(MAX_LINE_BYTES));
  follower.poll();
  write('x');
  follower.poll();
  write('E in the middle');
  follower.poll();
  write(' still the same line\nE next\n');
  follower.poll(true);
  assert.deepEqual(matches.map((m) => [m.line, m.truncated]), [['E next', false]]);
});

test('a line of exactly the limit is whole, not truncated', (t) => {
  const { write, follower, matches } = follow(t, 'E');
  write(`E${'x'.repeat(MAX_LINE_BYTES - 1)}\n`);
  follower.poll(true);
  assert.equal(matches.length, 1);
  assert.equal(matches[0].truncated, false);
  assert.equal(matches[0].line.length, MAX_LINE_BYTES);
});
