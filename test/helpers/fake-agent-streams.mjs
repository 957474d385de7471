// What the fake agent CLIs print, for test/unit/fake-agents/: the argv jobctl builds for each, the
// line types each parser knows, where a run reports its session, and the full check of a success
// (or tool_error) stream per agent.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';

export const AGENTS = ['claude', 'codex', 'gemini', 'opencode'];
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
export const FINAL = 'Fixed the off-by-one in add(); tests pass.';
const NOISE = [
  'Loading…',
  /^\(node:\d+\) Warning: the punycode module is deprecated\. Please use a userland alternative instead\.$/,
  'Update available: 2.1.64 (run the installer to update)',
  '  ⠋ Thinking...',
];

// ---------------------------------------------------------------------------------------------
// Argv jobctl builds, and what each agent's stream looks like

export const ARGV = {
  claude: (o = {}) => [
    '-p',
    '--output-format',
    'stream-json',
    '--verbose',
    ...(o.maxTurns !== undefined ? ['--max-turns', String(o.maxTurns)] : []),
    ...(o.resume !== undefined ? ['--resume', o.resume] : ['--session-id', o.session ?? randomUUID()]),
  ],
  codex: (o = {}) => ['exec', '--json', '--skip-git-repo-check', ...(o.resume !== undefined ? ['resume', o.resume] : []), '-'],
  gemini: (o = {}) => ['-o', 'stream-json', ...(o.resume !== undefined ? ['-r', o.resume] : [])],
  opencode: (o = {}) => ['run', '--format', 'json', ...(o.resume !== undefined ? ['-s', o.resume] : [])],
};

/** Lines of the types each parser knows (the rest must be ignored). */
export const KNOWN = {
  claude: (e) => ['assistant', 'user', 'result'].includes(e.type) || (e.type === 'system' && e.subtype === 'init'),
  codex: (e) =>
    ['thread.started', 'turn.started', 'turn.completed', 'turn.failed', 'error'].includes(e.type) ||
    (e.type.startsWith('item.') && ['reasoning', 'command_execution', 'file_change', 'agent_message'].includes(e.item.type)),
  gemini: (e) => ['init', 'message', 'tool_use', 'tool_result', 'error', 'result'].includes(e.type),
  opencode: (e) => ['step_start', 'text', 'tool_use', 'step_finish', 'error', 'done'].includes(e.type),
};

/** The session id a run reports. */
export const SESSION_OF = {
  claude: (json) => json.find((e) => e.type === 'system' && e.subtype === 'init').session_id,
  codex: (json) => json.find((e) => e.type === 'thread.started').thread_id,
  gemini: (json) => json.find((e) => e.type === 'init').session_id,
  opencode: (json) => json[0].sessionID,
};

/** Lines the first turn of `slow` ends with (then it sleeps). */
export const FIRST_TURN_LINES = { claude: 4, codex: 5, gemini: 5, opencode: 4 };

/** Checks a success (or tool_error, `failFirst`) stream; `events` are the known lines only. */
export const CHECK_SUCCESS = {
  claude(events, { session, cwd, failFirst = false }) {
    assert.deepEqual(
      events.map((e) => e.type),
      ['system', 'assistant', 'assistant', 'user', 'assistant', 'user', 'assistant', 'result'],
    );
    const [init] = events;
    assert.equal(init.subtype, 'init');
    assert.equal(init.session_id, session);
    assert.equal(init.cwd, cwd);
    assert.equal(init.model, 'claude-sonnet-4-5');
    assert.equal(init.permissionMode, 'default');
    for (const e of events) assert.equal(e.session_id, session);
    const assistant = events.filter((e) => e.type === 'assistant');
    assert.equal(new Set(assistant.map((e) => e.message.id)).size, 3, 'three turns');
    assert.equal(assistant[0].message.id, assistant[1].message.id, 'text and tool_use of one turn share its id');
    const uses = assistant.flatMap((e) => e.message.content).filter((b) => b.type === 'tool_use');
    assert.deepEqual(
      uses.map((b) => b.name),
      [failFirst ? 'Bash' : 'Read', 'Edit'],
    );
    if (failFirst) assert.deepEqual(uses[0].input, { command: 'npm test', description: 'Run unit tests' });
    else assert.deepEqual(uses[0].input, { file_path: join(cwd, 'src/add.js') });
    const results = events.filter((e) => e.type === 'user').map((e) => e.message.content[0]);
    assert.deepEqual(
      results.map((r) => [r.type, r.tool_use_id, r.is_error]),
      [
        ['tool_result', uses[0].id, failFirst],
        ['tool_result', uses[1].id, false],
      ],
    );
    assert.match(uses[0].id, /^toolu_01[0-9a-f]{22}$/);
    assert.notEqual(uses[0].id, uses[1].id);
    assert.deepEqual(assistant.at(-1).message.content, [{ type: 'text', text: FINAL }]);
    assert.equal(assistant.at(-1).message.stop_reason, 'end_turn');
    const result = events.at(-1);
    assert.equal(result.subtype, 'success');
    assert.equal(result.is_error, false);
    assert.equal(result.num_turns, 3);
    assert.equal(result.result, FINAL);
    assert.equal(result.session_id, session);
    assert.equal(result.total_cost_usd, 0.0399);
    assert.deepEqual(result.usage, {
      input_tokens: 12,
      cache_creation_input_tokens: 1200,
      cache_read_input_tokens: 32400,
      output_tokens: 159,
    });
    assert.equal(result.modelUsage['claude-sonnet-4-5'].costUSD, 0.0399);
    assert.ok(Number.isInteger(result.duration_ms) && result.duration_ms > 0);
    const uuids = events.map((e) => e.uuid);
    assert.equal(new Set(uuids).size, uuids.length, 'every line has its own uuid');
    for (const u of uuids) assert.match(u, UUID_RE);
  },

  codex(events, { cwd, failFirst = false }) {
    assert.deepEqual(
      events.map((e) => e.type),
      [
        'thread.started',
        'turn.started',
        'item.completed',
        'item.started',
        'item.completed',
        'item.completed',
        'item.completed',
        'item.completed',
        'turn.completed',
      ],
    );
    assert.match(events[0].thread_id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const completed = events.filter((e) => e.type === 'item.completed').map((e) => e.item);
    assert.deepEqual(
      completed.map((i) => [i.id, i.type]),
      [
        ['item_0', 'reasoning'],
        ['item_1', 'command_execution'],
        ['item_2', 'reasoning'],
        ['item_3', 'file_change'],
        ['item_4', 'agent_message'],
      ],
    );
    const started = events.find((e) => e.type === 'item.started').item;
    assert.deepEqual(started, {
      id: 'item_1',
      type: 'command_execution',
      command: completed[1].command,
      aggregated_output: '',
      status: 'in_progress',
    });
    if (failFirst) {
      assert.equal(completed[1].command, "bash -lc 'npm test'");
      assert.equal(completed[1].exit_code, 1);
      assert.equal(completed[1].status, 'failed');
      assert.equal(completed[1].aggregated_output, '1 failing\n  add() returns 3 for 1+1\n');
    } else {
      assert.equal(completed[1].command, "bash -lc 'cat src/add.js'");
      assert.equal(completed[1].exit_code, 0);
      assert.equal(completed[1].status, 'completed');
    }
    assert.deepEqual(completed[3].changes, [{ path: join(cwd, 'src/add.js'), kind: 'update' }]);
    assert.equal(completed[4].text, FINAL);
    assert.deepEqual(events.at(-1).usage, { input_tokens: 20642, cached_input_tokens: 20224, output_tokens: 135 });
  },

  gemini(events, { cwd, firstLine, failFirst = false, model = 'gemini-2.5-pro' }) {
    assert.deepEqual(
      events.map((e) => e.type),
      ['init', 'message', 'message', 'tool_use', 'tool_result', 'message', 'tool_use', 'tool_result', 'message', 'result'],
    );
    assert.match(events[0].session_id, UUID_RE);
    assert.equal(events[0].model, model);
    assert.deepEqual(
      events.filter((e) => e.type === 'message').map((e) => [e.role, e.content]),
      [
        ['user', firstLine],
        ['assistant', failFirst ? 'Reading the source first.' : 'I will read the code first.'],
        ['assistant', 'Fixing the off-by-one.'],
        ['assistant', FINAL],
      ],
    );
    const uses = events.filter((e) => e.type === 'tool_use');
    const results = events.filter((e) => e.type === 'tool_result');
    assert.deepEqual(
      uses.map((e) => e.tool_name),
      ['read_file', 'replace'],
    );
    assert.deepEqual(uses[0].parameters, { absolute_path: join(cwd, failFirst ? 'src/ad.js' : 'src/add.js') });
    assert.match(uses[0].tool_id, /^read_file-\d{13}-0$/);
    assert.match(uses[1].tool_id, /^replace-\d{13}-1$/);
    assert.deepEqual(
      results.map((e) => [e.tool_id, e.status]),
      [
        [uses[0].tool_id, failFirst ? 'error' : 'success'],
        [uses[1].tool_id, 'success'],
      ],
    );
    if (failFirst) {
      assert.deepEqual(results[0].error, { type: 'FILE_NOT_FOUND', message: `File not found: ${join(cwd, 'src/ad.js')}` });
    }
    const times = events.map((e) => e.timestamp);
    for (const t of times) assert.match(t, ISO_RE);
    assert.deepEqual([...times].sort(), times, 'timestamps increase');
    const result = events.at(-1);
    assert.equal(result.status, 'success');
    const tokens = { total_tokens: 18234, input_tokens: 17001, output_tokens: 1233, cached: 12000, input: 5001 };
    assert.deepEqual({ ...result.stats, duration_ms: 0 }, { ...tokens, duration_ms: 0, tool_calls: 2, models: { [model]: tokens } });
  },

  opencode(events, { cwd, failFirst = false }) {
    assert.deepEqual(
      events.map((e) => e.type),
      ['step_start', 'text', 'tool_use', 'step_finish', 'step_start', 'tool_use', 'step_finish', 'step_start', 'text', 'step_finish', 'done'],
    );
    const session = events[0].sessionID;
    assert.match(session, /^ses_[0-9a-f]{26}$/);
    for (const e of events) {
      assert.equal(e.sessionID, session);
      assert.ok(Number.isInteger(e.timestamp) && e.timestamp > 1.7e12);
      if (e.part) assert.equal(e.part.sessionID, session);
    }
    const steps = events.filter((e) => e.type === 'step_start').map((e) => e.part.messageID);
    assert.equal(new Set(steps).size, 3);
    assert.deepEqual(
      events.filter((e) => e.part).map((e) => e.part.messageID),
      [steps[0], steps[0], steps[0], steps[0], steps[1], steps[1], steps[1], steps[2], steps[2], steps[2]],
    );
    const tools = events.filter((e) => e.type === 'tool_use').map((e) => e.part);
    assert.deepEqual(
      tools.map((p) => [p.type, p.tool, p.state.status]),
      [
        ['tool', failFirst ? 'bash' : 'read', failFirst ? 'error' : 'completed'],
        ['tool', 'edit', 'completed'],
      ],
    );
    if (failFirst) {
      assert.equal(tools[0].state.error, 'Command failed with exit code 1: 1 failing\n  add() returns 3 for 1+1');
      assert.deepEqual(tools[0].state.input, { command: 'npm test', description: 'Run unit tests' });
    } else {
      assert.deepEqual(tools[0].state.input, { filePath: join(cwd, 'src/add.js') });
    }
    const finishes = events.filter((e) => e.type === 'step_finish').map((e) => e.part);
    assert.deepEqual(
      finishes.map((p) => [p.type, p.reason, p.cost]),
      [
        ['step-finish', 'tool-calls', 0.011],
        ['step-finish', 'tool-calls', 0.0123],
        ['step-finish', 'stop', 0.0136],
      ],
    );
    assert.deepEqual(finishes[0].tokens, { input: 4, output: 57, reasoning: 0, cache: { read: 10500, write: 1800 } });
    assert.equal(events.filter((e) => e.type === 'text').at(-1).part.text, FINAL);
  },
};

export function checkSuccess(agent, r, ctx, opts = {}) {
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.deepEqual(r.raw, []);
  CHECK_SUCCESS[agent](r.json, { cwd: ctx.work, firstLine: 'scenario: success', ...opts });
}

export function assertNoise(raw) {
  assert.equal(raw.length, NOISE.length, raw.join('\n'));
  NOISE.forEach((want, i) => (typeof want === 'string' ? assert.equal(raw[i], want) : assert.match(raw[i], want)));
}
