// The fake gemini of test/fixtures/agents, run directly: its scenarios and the invocations it
// refuses (helpers: test/helpers/fake-agent-run.mjs, fake-agent-streams.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setup, runFake, refusalTest, S } from '../../helpers/fake-agent-run.mjs';
import { ARGV, KNOWN, CHECK_SUCCESS, checkSuccess, assertNoise } from '../../helpers/fake-agent-streams.mjs';

// ---------------------------------------------------------------------------------------------
// Scenarios

test('gemini scenarios: stream-json events and exit code', async (t) => {
  const ctx = setup(t);
  const scenario = (name) => runFake(ctx, 'gemini', ARGV.gemini(), { input: `scenario: ${name}\n` });

  await t.test('success', () => {
    const r = scenario('success');
    checkSuccess('gemini', r, ctx);
    assert.ok(existsSync(join(ctx.home, 'sessions', 'gemini', r.json[0].session_id)));
  });
  await t.test('tool_error', () => checkSuccess('gemini', scenario('tool_error'), ctx, { failFirst: true, firstLine: 'scenario: tool_error' }));
  await t.test('max_turns N', () => {
    const r = scenario('max_turns 2');
    assert.equal(r.code, 0);
    assert.deepEqual(
      r.json.filter((e) => e.type === 'tool_use').map((e) => [e.tool_name, e.parameters.command]),
      [
        ['run_shell_command', 'npm test -- --grep case-1'],
        ['run_shell_command', 'npm test -- --grep case-2'],
      ],
    );
    assert.deepEqual([r.json.at(-1).type, r.json.at(-1).status, r.json.at(-1).stats.tool_calls], ['result', 'success', 2]);
  });
  await t.test('rate_limit', () => {
    const r = scenario('rate_limit');
    assert.equal(r.code, 1);
    assert.deepEqual(
      r.json.map((e) => e.type),
      ['init', 'message', 'error'],
    );
    assert.equal(r.json[2].severity, 'error');
    assert.match(r.json[2].message, /^Quota exceeded for quota metric .*: status 429 RESOURCE_EXHAUSTED$/);
    assert.equal(r.stderr, `Error: ${r.json[2].message}\n`);
  });
  await t.test('auth prints no JSON and exits 41', () => {
    const r = scenario('auth');
    assert.equal(r.code, 41);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^Error authenticating: When using Gemini API, you must specify the GEMINI_API_KEY environment variable\.\n/);
  });
  await t.test('noise', () => {
    const r = scenario('noise');
    assert.equal(r.code, 0);
    assertNoise(r.raw);
    CHECK_SUCCESS.gemini(r.json, { cwd: ctx.work, firstLine: 'scenario: noise' });
  });
  await t.test('truncated', () => {
    const r = scenario('truncated');
    assert.equal(r.code, 0);
    assert.ok(!r.stdout.endsWith('\n'));
    assert.equal(r.raw.length, 1);
    assert.match(r.raw[0], /^\{"type":"message","timestamp":"[^"]+","role":"assistant","content":"Fixed the off$/);
    assert.ok(!r.json.some((e) => e.type === 'result'));
  });
  await t.test('unknown_types', () => {
    const r = scenario('unknown_types');
    assert.equal(r.code, 0);
    assert.deepEqual(
      r.json.filter((e) => !KNOWN.gemini(e)).map((e) => e.type),
      ['thought', 'tool_confirmation', 'telemetry'],
    );
    CHECK_SUCCESS.gemini(r.json.filter(KNOWN.gemini), { cwd: ctx.work, firstLine: 'scenario: unknown_types' });
  });
});

// ---------------------------------------------------------------------------------------------
// Invalid invocations

refusalTest('gemini', [
  ['no -o', [], 2, /-o stream-json is required/],
  ['-o json', ['-o', 'json'], 2, /jobctl reads -o stream-json/],
  ['-o xml', ['--output-format', 'xml'], 2, /Invalid values: Argument: output-format, Given: "xml"/],
  ['-p', ['-o', 'stream-json', '-p', 'fix the tests'], 2, /-p: jobctl passes the prompt on stdin/],
  ['--approval-mode plan', ['-o', 'stream-json', '--approval-mode', 'plan'], 2, /Invalid values: Argument: approval-mode, Given: "plan"/],
  ['--yolo', ['-o', 'stream-json', '--yolo'], 2, /Unknown argument: --yolo/],
  ['positional prompt', ['-o', 'stream-json', 'fix the tests'], 2, /this fixture takes the prompt on stdin only/],
  ['flag twice', ['-o', 'stream-json', '-m', 'a', '-m', 'b'], 2, /option '-m' given twice/],
  ['-r of a missing session', ['-o', 'stream-json', '-r', S], 1, /^Error resuming session: Invalid session identifier "11111111-2222-4333-8444-555555555555"\.\n$/],
  ['empty stdin', ['-o', 'stream-json'], 1, /^No input provided via stdin\./, { input: '' }],
]);
