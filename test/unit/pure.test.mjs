import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDuration, formatDuration } from '../../dist/lib/util/duration.js';
import { validateTags, tagsMatch } from '../../dist/lib/util/tags.js';
import { parseSignal } from '../../dist/lib/util/signals.js';
import { readTail } from '../../dist/lib/store/tail.js';
import { splitCommandLine, subcommandIndex, joinDashValues } from '../../dist/lib/cli/split-command.js';
import { parseEnvFile } from '../../dist/lib/util/env-file.js';
import { quoteArgv } from '../../dist/lib/util/shell-quote.js';
import { testDir } from '../helpers/jobctl.mjs';

test('durations', () => {
  assert.equal(parseDuration('250ms', 'x'), 250);
  assert.equal(parseDuration('10s', 'x'), 10_000);
  assert.equal(parseDuration('5m', 'x'), 300_000);
  assert.equal(parseDuration('2h', 'x'), 7_200_000);
  assert.equal(parseDuration('1d', 'x'), 86_400_000);
  assert.equal(parseDuration('5000', 'x'), 5000);
  for (const bad of ['', '5 s', '1.5s', '-1s', '5x', 's', '10sec']) {
    assert.throws(() => parseDuration(bad, 'x'), (e) => e.code === 'invalid_duration', bad);
  }
  assert.equal(formatDuration(30 * 86_400_000), '30d');
  assert.equal(formatDuration(90_000), '90s');
  assert.equal(formatDuration(1500), '1500ms');
});

test('tags and filters', () => {
  assert.deepEqual(validateTags(['a', 'b.c', 'a', 'hoge-fuga.v2']), ['a', 'b.c', 'hoge-fuga.v2']);
  assert.throws(() => validateTags(['a b']), (e) => e.code === 'invalid_tag');
  assert.ok(tagsMatch(['p.build'], ['p.*']));
  assert.ok(tagsMatch(['p'], ['p.*']));
  assert.ok(!tagsMatch(['px'], ['p.*']));
  assert.ok(!tagsMatch(['p.build'], ['p']));
  assert.ok(tagsMatch(['a', 'b'], ['a', 'b']));
  assert.ok(!tagsMatch(['a'], ['a', 'b']));
});

test('signals', () => {
  assert.equal(parseSignal('TERM'), 'SIGTERM');
  assert.equal(parseSignal('sigint'), 'SIGINT');
  assert.equal(parseSignal('9'), 'SIGKILL');
  assert.throws(() => parseSignal('NOPE'), (e) => e.code === 'invalid_signal');
  assert.throws(() => parseSignal(''), (e) => e.code === 'invalid_signal');
});

test('tail reads lines from the end, honours the byte cap and UTF-8 boundaries', (t) => {
  const dir = testDir(t);
  const file = join(dir, 'log');
  writeFileSync(file, 'one\ntwo\nthree\n');
  assert.deepEqual(readTail(file, 2, 1000), { text: 'two\nthree\n', begin: 4, end: 14, total: 14, lineStart: true });
  assert.equal(readTail(file, 10, 1000).text, 'one\ntwo\nthree\n');
  assert.equal(readTail(file, 0, 1000).text, '');
  writeFileSync(file, 'no newline at end\nlast');
  assert.equal(readTail(file, 1, 1000).text, 'last');
  writeFileSync(file, 'ééé');
  const capped = readTail(file, 1, 3);
  assert.equal(capped.text, 'é');
  assert.equal(capped.begin, 4);
  assert.deepEqual(readTail(join(dir, 'missing'), 5, 100), { text: '', begin: 0, end: 0, total: 0, lineStart: true });
  // Lines longer than one read chunk.
  const long = 'x'.repeat(200_000);
  writeFileSync(file, `${long}\n${long}\n`);
  const big = readTail(file, 1, 1_000_000);
  assert.equal(big.text, `${long}\n`);
  assert.equal(big.begin, 200_001);
});

test('command-line splitting for run/create', () => {
  const takes = (f) => ['timeout', 'root', 'env'].includes(f);
  assert.equal(subcommandIndex(['--root', '/r', 'run', 'x']), 2);
  assert.deepEqual(splitCommandLine(['run', '--timeout', '5s', 'make', '-j4'], 1, takes), { flags: ['run', '--timeout', '5s'], command: ['make', '-j4'] });
  assert.deepEqual(splitCommandLine(['run', '--wait', '--', 'ls', '--', 'x'], 1, takes), { flags: ['run', '--wait'], command: ['ls', '--', 'x'] });
  assert.deepEqual(splitCommandLine(['run', '--wait'], 1, takes), { flags: ['run', '--wait'], command: undefined });
  assert.deepEqual(joinDashValues(['--timeout', '-5s', '--wait', '--', '-x'], takes), ['--timeout=-5s', '--wait', '--', '-x']);
});

test('env files and shell quoting', () => {
  assert.deepEqual(parseEnvFile('# c\nexport A=1\nB="two words"\nC=\'x\'\nbad line\n1X=no\n'), { A: '1', B: 'two words', C: 'x' });
  assert.equal(quoteArgv(['echo', 'a b', "it's", 'plain']), `echo 'a b' 'it'\\''s' plain`);
});

test('the fast parser reads well-formed invocations like yargs would and declines the rest', async () => {
  const { fastParse } = await import('../../dist/lib/cli/fast-parse.js');
  const run = fastParse(['--root', '/r', 'run', '--env', 'A=1', '--env=B=2', '--wait', '--workspace', '/w', '-v', 'echo', 'hi', '-n']);
  assert.equal(run.def.type, 'run');
  assert.deepEqual(run.args, { root: '/r', env: ['A=1', 'B=2'], wait: true, cwd: '/w', v: 1 });
  assert.deepEqual(run.commandWords, ['echo', 'hi', '-n']);
  const status = fastParse(['status', 'abc', '--root=/x']);
  assert.deepEqual(status.args, { id: 'abc', root: '/x' });
  assert.deepEqual(fastParse(['list', '--status', 'running', '--tag', 'a', '--tag', 'b']).args, { state: 'running', tag: ['a', 'b'] });
  assert.equal(fastParse(['tag', 'set', 'abc', '--tag', 'x']).def.type, 'tag_set');
  assert.equal(fastParse(['timeout', '--', 'x']), undefined);
  assert.deepEqual(fastParse(['status', '--v', 'abc', '-vv']).args, { v: 3, id: 'abc' });
  for (const declined of [['notify', 'set', 'x', '--clear', 'false'], ['run', '--name="quoted"', 'true'], ['status', '--v=2', 'x'], ['status', '--help'], ['kill', '-9', 'x'], ['status', 'a', 'b'], ['list', '--bogus'], ['run', '--wait=yes', 'true'], ['tail', '--tail-lines'], [], ['frob']]) {
    assert.equal(fastParse(declined), undefined, JSON.stringify(declined));
  }
});

test('terminal state: killed for log size only when the supervisor did it; disk full is failed', async () => {
  const { terminalState } = await import('../../dist/lib/job/outcome.js');
  const cur = { state: 'running', updated_at: 'x', started_at: '2026-01-01T00:00:00.000Z' };
  const base = { finishedAt: '2026-01-01T00:00:01.000Z', timedOut: false, killedForLogSize: false, logTruncated: false, diskFull: false };
  const exited = terminalState(cur, { ...base, exit: { code: 0, signal: null }, logTruncated: true });
  assert.deepEqual([exited.state, exited.exit_code, exited.kill_reason, exited.log_truncated, exited.duration_ms], ['exited', 0, undefined, true, 1000]);
  const capped = terminalState(cur, { ...base, exit: { code: null, signal: 'SIGKILL' }, killedForLogSize: true, logTruncated: true });
  assert.deepEqual([capped.state, capped.signal, capped.kill_reason], ['killed', 'SIGKILL', 'max_log_bytes']);
  const full = terminalState(cur, { ...base, exit: { code: 0, signal: null }, diskFull: true });
  assert.deepEqual([full.state, full.exit_code, full.error.code], ['failed', 0, 'disk_full']);
});
