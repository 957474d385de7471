// Suggestions for mistyped words, the agent-snapshot tail filter, and readTail's line start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nearest, editDistance } from '../../dist/lib/util/suggest.js';
import { withoutStreamJson } from '../../dist/lib/view/agent-tail.js';
import { readTail } from '../../dist/lib/store/tail.js';
import { EXAMPLES } from '../../dist/lib/cli/examples.js';
import { commands } from '../../dist/lib/commands/index.js';
import { testDir } from '../helpers/jobctl.mjs';

test('nearest: a typo finds the word meant, a letter left out prefers the longer word, nothing close finds nothing', () => {
  assert.equal(editDistance('timout', 'timeout'), 1);
  assert.equal(editDistance('stauts', 'status'), 1, 'a transposition is one edit');
  assert.equal(nearest('staus', ['run', 'status', 'stats']), 'status');
  assert.equal(nearest('staus', ['run', 'stats', 'status']), 'status', 'not by order: staus is status without its t');
  assert.equal(nearest('stat', ['status', 'stats']), 'stats');
  assert.equal(nearest('timout', ['timeout', 'tag']), 'timeout');
  assert.equal(nearest('snap', ['snapshot-after', 'wait']), 'snapshot-after', 'a prefix of 3+ letters');
  assert.equal(nearest('frobnicate', ['run', 'status']), undefined);
  assert.equal(nearest('x', ['run', 'status']), undefined);
});

test('withoutStreamJson keeps the lines an agent printed besides its stream, and counts the rest', () => {
  const text = '{"type":"system"}\nLoading…\n  {"type":"assistant"}\n\nwarning: x\n{"type":"res';
  assert.deepEqual(withoutStreamJson(text, true), { text: 'Loading…\n\nwarning: x\n', omitted: 3 });
  assert.deepEqual(withoutStreamJson('tail of a cut line}\nok\n', false), { text: 'ok\n', omitted: 1 }, 'a fragment cut by the byte budget goes');
  assert.deepEqual(withoutStreamJson('', true), { text: '', omitted: 0 });
});

test('readTail says whether its window starts at a line start', (t) => {
  const file = join(testDir(t), 'log');
  writeFileSync(file, 'aaaa\nbbbb\ncccc\n');
  assert.equal(readTail(file, 2, 1000).lineStart, true, 'cut by lines');
  assert.equal(readTail(file, 10, 7).lineStart, false, 'cut inside bbbb by the byte budget');
  assert.equal(readTail(file, 10, 10).lineStart, true, 'the byte budget ends exactly at a newline');
  assert.equal(readTail(file, 10, 1000).lineStart, true, 'the whole file');
});

test('every command has 1 to 3 help examples', () => {
  for (const def of commands) {
    const name = def.group ? `${def.group} ${def.command.split(' ')[0]}` : def.command.split(' ')[0];
    const examples = EXAMPLES[name];
    assert.ok(examples && examples.length >= 1 && examples.length <= 3, `${name}: ${JSON.stringify(examples)}`);
  }
});
