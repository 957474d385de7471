// The command line jobctl builds for each agent CLI (docs/agents.md), and the option checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentArgv, checkAgentOptions, CLI_LIMITS_TURNS } from '../../dist/lib/agents/argv.js';

const base = (name, extra = {}) => ({ name, binary: `/opt/${name}`, cli_limits_turns: CLI_LIMITS_TURNS[name], prompt_bytes: 5, ...extra });

test('argv of each CLI with every option, and with none', () => {
  const session = '9c1e7f3a-2b7a-4e8e-9d4a-1c2b3d4e5f60';
  assert.deepEqual(agentArgv(base('claude', { max_turns: 7, model: 'opus', permission_mode: 'plan', session })),
    ['/opt/claude', '-p', '--output-format', 'stream-json', '--verbose', '--max-turns', '7', '--model', 'opus', '--permission-mode', 'plan', '--session-id', session]);
  assert.deepEqual(agentArgv(base('claude', { resume: 'abc' })), ['/opt/claude', '-p', '--output-format', 'stream-json', '--verbose', '--resume', 'abc']);
  assert.deepEqual(agentArgv(base('codex', { model: 'gpt-5', permission_mode: 'full-auto', resume: 'th-1', max_turns: 3 })),
    ['/opt/codex', 'exec', '--json', '-m', 'gpt-5', '--full-auto', '--skip-git-repo-check', 'resume', 'th-1', '-']);
  assert.deepEqual(agentArgv(base('codex')), ['/opt/codex', 'exec', '--json', '--skip-git-repo-check', '-']);
  assert.deepEqual(agentArgv(base('gemini', { model: 'gemini-2.5-pro', permission_mode: 'auto_edit', resume: 's-2', max_turns: 3 })),
    ['/opt/gemini', '-o', 'stream-json', '-m', 'gemini-2.5-pro', '--approval-mode', 'auto_edit', '-r', 's-2']);
  assert.deepEqual(agentArgv(base('opencode', { model: 'anthropic/x', permission_mode: 'auto', resume: 'ses_1' })),
    ['/opt/opencode', 'run', '--format', 'json', '-m', 'anthropic/x', '-s', 'ses_1', '--auto']);
  assert.deepEqual(agentArgv(base('opencode', { permission_mode: 'default' })), ['/opt/opencode', 'run', '--format', 'json']);
  // Only Claude has a turn limit of its own: the others never get a --max-turns flag.
  for (const name of ['codex', 'gemini', 'opencode']) assert.ok(!agentArgv(base(name, { max_turns: 3 })).some((a) => a.includes('turn')));
  assert.deepEqual(CLI_LIMITS_TURNS, { claude: true, codex: false, gemini: false, opencode: false });
});

test('options a CLI does not take are usage errors', () => {
  const bad = [
    { name: 'claude', permission_mode: 'yolo' },
    { name: 'codex', permission_mode: 'acceptEdits' },
    { name: 'gemini', permission_mode: 'plan' },
    { name: 'opencode', permission_mode: 'yolo' },
    { name: 'codex', session: '9c1e7f3a-2b7a-4e8e-9d4a-1c2b3d4e5f60' },
    { name: 'claude', session: 'not-a-uuid' },
    { name: 'claude', resume: '-rf' },
    { name: 'claude', resume: 'a b' },
    { name: 'claude', model: '--dangerously-skip-permissions' },
    { name: 'opencode', model: 'sonnet' },
  ];
  for (const spec of bad) assert.throws(() => checkAgentOptions(spec), (e) => e.code === 'usage_error', JSON.stringify(spec));
  for (const spec of [{ name: 'claude', permission_mode: 'bypassPermissions', session: '9C1E7F3A-2B7A-4E8E-9D4A-1C2B3D4E5F60' }, { name: 'codex', permission_mode: 'read-only', resume: '0199a213-81c0-7800-8aa1-bbab2a035a53' }, { name: 'opencode', model: 'openai/gpt-5' }]) {
    assert.doesNotThrow(() => checkAgentOptions(spec), JSON.stringify(spec));
  }
});
