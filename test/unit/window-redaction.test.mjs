// window-redaction.ts: a secret that a window cuts is masked whole, judged by the bytes around
// the window; a window at the end of its file masks a trailing start of a secret; nothing else
// is touched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as windows from '../../dist/lib/window-redaction.js';

const SECRET = 'hunter2-secret';
const SECRETS = [SECRET, 'é-ümlaut-key'];
const redactWindow = (...args) => windows.redactWindow(...args, SECRETS);
const b = (s) => Buffer.from(s);
const none = Buffer.alloc(0);

test('the context needed is the longest secret in bytes, less one', () => {
  assert.equal(windows.secretContextBytes(SECRETS), Math.max(Buffer.byteLength(SECRET), Buffer.byteLength('é-ümlaut-key')) - 1);
});

test('a secret cut by the window start, by its end, or inside it becomes ***', () => {
  assert.equal(redactWindow(b('pw=hun'), b('ter2-secret ok\n'), none, true), '*** ok\n');
  assert.equal(redactWindow(none, b('pw=hunter2-sec'), b('ret ok\n'), false), 'pw=***');
  assert.equal(redactWindow(none, b('a hunter2-secret b hunter2-secret\n'), none, true), 'a *** b ***\n');
  assert.equal(redactWindow(b('key é-'), b('ümlaut-key!'), none, true), '***!', 'a multi-byte secret cut by the start');
});

test('without a real occurrence across the edge, nothing is masked', () => {
  // "ter2-secret" alone is not the end of the secret unless the bytes before the window say so.
  assert.equal(redactWindow(b('pw=xyz'), b('ter2-secret ok\n'), none, true), 'ter2-secret ok\n');
  assert.equal(redactWindow(none, b('pw=hunter2-sec'), b('tion\n'), false), 'pw=hunter2-sec');
  assert.equal(redactWindow(none, b('plain text\n'), none, true), 'plain text\n');
});

test('at the end of the file, a trailing start of a secret is masked (the rest may follow)', () => {
  assert.equal(redactWindow(none, b('key=hunt'), none, true), 'key=***');
  assert.equal(redactWindow(none, b('key=hunt'), none, false), 'key=hunt', 'not at the end: bytes after the window decide');
  assert.equal(redactWindow(none, b('key=hunt\n'), none, true), 'key=hunt\n', 'a finished line is not a start');
});

test('overlapping occurrences merge into one range', () => {
  assert.deepEqual(windows.secretRanges(b('hunter2-secrethunter2-secret'), false, SECRETS), [[0, 28]]);
  assert.deepEqual(windows.redactWindow(none, b('no secrets known'), none, true, []), 'no secrets known');
});
