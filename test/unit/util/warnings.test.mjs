import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration, parseOptionalDuration } from '../../../dist/lib/util/duration.js';
import { isControlSignal, parseSignal } from '../../../dist/lib/util/signals.js';

test('a bare integer duration is milliseconds and reports a warning; units, 0 and errors do not', () => {
  const seen = [];
  const warn = (m) => seen.push(m);
  assert.equal(parseDuration('600', '--timeout', warn), 600);
  assert.deepEqual(seen, ['--timeout 600 is 600 ms; write 600s for seconds, 600ms for milliseconds']);
  seen.length = 0;
  assert.equal(parseDuration('5s', '--timeout', warn), 5000);
  assert.equal(parseDuration('600ms', '--timeout', warn), 600);
  assert.equal(parseDuration('0', '--snapshot-after', warn), 0);
  assert.equal(parseOptionalDuration(undefined, '--grace', warn), undefined);
  assert.throws(() => parseDuration('10 s', '--grace', warn), { code: 'invalid_duration' });
  assert.deepEqual(seen, []);
  // Without a collector the parser still accepts it (config values, internal callers).
  assert.equal(parseDuration('1500', '--x'), 1500);
  assert.equal(parseOptionalDuration('7', '--retry-delay', warn), 7);
  assert.deepEqual(seen, ['--retry-delay 7 is 7 ms; write 7s for seconds, 7ms for milliseconds']);
});

test('control signals are told apart from the ones that end a process', () => {
  for (const name of ['HUP', 'USR1', 'USR2', 'CONT', 'STOP', 'TSTP', 'WINCH', 'URG', 'CHLD', 'PWR', '1']) {
    assert.equal(isControlSignal(parseSignal(name)), true, name);
  }
  for (const name of ['TERM', 'INT', 'QUIT', 'KILL', 'ABRT', '9', '15']) {
    assert.equal(isControlSignal(parseSignal(name)), false, name);
  }
});
