// The fake opencode of test/fixtures/agents, run directly: its scenarios and the invocations it
// refuses (helpers: test/helpers/fake-agent-run.mjs, fake-agent-streams.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setup, runFake, refusalTest } from '../../helpers/fake-agent-run.mjs';
import { ARGV, KNOWN, CHECK_SUCCESS, checkSuccess, assertNoise } from '../../helpers/fake-agent-streams.mjs';

// ---------------------------------------------------------------------------------------------
// Scenarios

test('opencode scenarios: run --format json events and exit code', async (t) => {
  const ctx = setup(t);
  const scenario = (name) => runFake(ctx, 'opencode', ARGV.opencode(), { input: `scenario: ${name}\n` });

  await t.test('success', () => {
    const r = scenario('success');
    checkSuccess('opencode', r, ctx);
    assert.ok(existsSync(join(ctx.home, 'sessions', 'opencode', r.json[0].sessionID)));
  });
  await t.test('tool_error', () => checkSuccess('opencode', scenario('tool_error'), ctx, { failFirst: true }));
  await t.test('max_turns N', () => {
    const r = scenario('max_turns 3');
    assert.equal(r.code, 0);
    assert.deepEqual(
      r.json.filter((e) => e.type === 'step_finish').map((e) => e.part.reason),
      ['tool-calls', 'tool-calls', 'tool-calls', 'stop'],
    );
    assert.equal(r.json.at(-1).type, 'done');
  });
  await t.test('rate_limit', () => {
    const r = scenario('rate_limit');
    assert.equal(r.code, 1);
    assert.deepEqual(
      r.json.map((e) => e.type),
      ['step_start', 'error'],
    );
    assert.deepEqual(r.json[1].error, {
      name: 'APIError',
      data: { message: 'Rate limit exceeded: 429 Too Many Requests (retry after 60s)', statusCode: 429, isRetryable: true },
    });
  });
  await t.test('auth', () => {
    const r = scenario('auth');
    assert.equal(r.code, 1);
    assert.equal(r.json.length, 1);
    assert.equal(r.json[0].type, 'error');
    assert.equal(r.json[0].error.name, 'ProviderAuthError');
    assert.equal(r.json[0].error.data.providerID, 'anthropic');
  });
  await t.test('noise', () => {
    const r = scenario('noise');
    assert.equal(r.code, 0);
    assertNoise(r.raw);
    CHECK_SUCCESS.opencode(r.json, { cwd: ctx.work });
  });
  await t.test('truncated', () => {
    const r = scenario('truncated');
    assert.equal(r.code, 0);
    assert.ok(!r.stdout.endsWith('\n'));
    assert.match(r.raw[0], /^\{"type":"text","timestamp":\d+,"sessionID":"ses_[0-9a-f]{26}","part":\{"id":"prt_[0-9a-f]{26}","type":"text","text":"Fixed the off$/);
    assert.ok(!r.json.some((e) => e.type === 'done'));
  });
  await t.test('unknown_types', () => {
    const r = scenario('unknown_types');
    assert.equal(r.code, 0);
    assert.deepEqual(
      r.json.filter((e) => !KNOWN.opencode(e)).map((e) => e.type),
      ['snapshot', 'patch', 'permission.asked'],
    );
    CHECK_SUCCESS.opencode(r.json.filter(KNOWN.opencode), { cwd: ctx.work });
  });
});

// ---------------------------------------------------------------------------------------------
// Invalid invocations

refusalTest('opencode', [
  ['no run', ['--format', 'json'], 2, /jobctl runs 'opencode run \.\.\.'/],
  ['no --format', ['run'], 2, /--format json is required/],
  ['--format default', ['run', '--format', 'default'], 2, /jobctl reads --format json/],
  ['model without provider', ['run', '--format', 'json', '-m', 'claude-sonnet-4-5'], 2, /-m takes provider\/model, got 'claude-sonnet-4-5'/],
  ['--model (not -m)', ['run', '--format', 'json', '--model', 'a/b'], 2, /Unknown argument: --model/],
  ['positional prompt', ['run', '--format', 'json', 'fix the tests'], 2, /this fixture takes the prompt on stdin only/],
  ['flag twice', ['run', '--format', 'json', '--auto', '--auto'], 2, /option '--auto' given twice/],
  ['-s of a missing session', ['run', '--format', 'json', '-s', 'ses_missing'], 1, /^Error: Session not found: ses_missing\n$/],
  ['empty stdin', ['run', '--format', 'json'], 1, /^Error: You must provide a message or a command\n$/, { input: '' }],
]);
