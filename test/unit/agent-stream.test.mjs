// The coding-agent parsing layer: bytes of a Claude Code, Codex, Gemini CLI or opencode JSONL
// stream → normalised events → the activity record and its outcome. Fixtures are the example
// lines of docs AGENT-FORMATS (plus a few built the same way); every stream is also fed byte by
// byte and in random chunks, which must give the very same events and record.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAgentStream, MAX_LINE_BYTES } from '../../dist/lib/agents/stream.js';
import { Activity } from '../../dist/lib/agents/activity.js';
import { classifyMessage } from '../../dist/lib/agents/classify.js';

const NOW = '2026-03-01T12:00:00.000Z';
const END = '2026-03-01T12:05:00.000Z';
const lines = (...l) => `${l.join('\n')}\n`;

/** A deterministic PRNG, so a failing chunking can be replayed. */
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function chunksOf(buf, mode, seed = 1) {
  if (mode === 'whole') return [buf];
  if (mode === 'bytes') return [...buf].map((b) => Buffer.from([b]));
  const rand = rng(seed);
  const out = [];
  for (let i = 0; i < buf.length;) {
    const n = 1 + Math.floor(rand() * 40);
    out.push(buf.subarray(i, i + n));
    i += n;
  }
  return out;
}

/** Feeds `input` to a stream and an Activity; returns the events, the record before finish and after. */
function run(agent, input, { mode = 'whole', seed, maxTurns, end = { exitCode: 0 } } = {}) {
  const stream = createAgentStream(agent);
  const activity = new Activity(agent, maxTurns);
  const events = [];
  for (const chunk of chunksOf(Buffer.isBuffer(input) ? input : Buffer.from(input), mode, seed)) {
    const ev = stream.push(chunk);
    events.push(...ev);
    activity.apply(ev, NOW);
  }
  const tail = stream.end();
  events.push(...tail);
  activity.apply(tail, NOW);
  const before = activity.record();
  return { events, before, activity, final: activity.finish(end, END) };
}

/** The same input in every chunking gives the same events and records. */
function assertChunkingStable(agent, input, opts) {
  const whole = run(agent, input, opts);
  for (const [mode, seed] of [['bytes'], ['random', 1], ['random', 7], ['random', 42]]) {
    const other = run(agent, input, { ...opts, mode, seed });
    assert.deepEqual(other.events, whole.events, `${agent} ${mode} ${seed ?? ''}`);
    assert.deepEqual(other.final, whole.final, `${agent} ${mode} ${seed ?? ''}`);
  }
  return whole;
}

const tools = (rec) => rec.last_tool_calls.map((c) => [c.name, c.input, c.status]);
const pick = (rec) => ({ outcome: rec.outcome, outcome_message: rec.outcome_message });

// ---- Claude Code -------------------------------------------------------------------------

const C_INIT = '{"type":"system","subtype":"init","cwd":"/work/app","session_id":"9c1e7f3a-2b7a-4e8e-9d4a-1c2b3d4e5f60","tools":["Task","Bash","Glob","Grep","Read","Edit","Write","TodoWrite"],"mcp_servers":[],"model":"claude-sonnet-4-5","permissionMode":"bypassPermissions","slash_commands":["compact","review"],"apiKeySource":"none","claude_code_version":"2.1.63","output_style":"default","skills":[],"plugins":[],"uuid":"a0b1c2d3-0000-4000-8000-000000000001"}';
const C_ASSIST1 = '{"type":"assistant","message":{"id":"msg_01Hk","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"text","text":"Running the tests first."},{"type":"tool_use","id":"toolu_01Ab","name":"Bash","input":{"command":"npm test","description":"Run unit tests"}}],"stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":4,"cache_creation_input_tokens":1200,"cache_read_input_tokens":8400,"output_tokens":58}},"parent_tool_use_id":null,"session_id":"9c1e7f3a-2b7a-4e8e-9d4a-1c2b3d4e5f60","uuid":"a0b1c2d3-0000-4000-8000-000000000002"}';
const C_USER1 = '{"type":"user","message":{"role":"user","content":[{"tool_use_id":"toolu_01Ab","type":"tool_result","content":"1 failing\\n  add() returns 3 for 1+1","is_error":true}]},"parent_tool_use_id":null,"session_id":"9c1e7f3a-2b7a-4e8e-9d4a-1c2b3d4e5f60","uuid":"a0b1c2d3-0000-4000-8000-000000000003","tool_use_result":{"stdout":"1 failing\\n  add() returns 3 for 1+1","stderr":"","interrupted":false,"isImage":false}}';
const C_ASSIST2 = '{"type":"assistant","message":{"id":"msg_01Hm","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"tool_use","id":"toolu_01Ac","name":"Edit","input":{"file_path":"/work/app/src/add.js","old_string":"a + b + 1","new_string":"a + b"}}],"stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":2,"cache_read_input_tokens":9600,"output_tokens":41}},"parent_tool_use_id":null,"session_id":"9c1e7f3a-2b7a-4e8e-9d4a-1c2b3d4e5f60","uuid":"a0b1c2d3-0000-4000-8000-000000000004"}';
const C_USER2 = '{"type":"user","message":{"role":"user","content":[{"tool_use_id":"toolu_01Ac","type":"tool_result","content":[{"type":"text","text":"The file was updated."}]}]},"parent_tool_use_id":null,"session_id":"9c1e7f3a-2b7a-4e8e-9d4a-1c2b3d4e5f60"}';
const C_RESULT = '{"type":"result","subtype":"success","is_error":false,"duration_ms":8421,"duration_api_ms":7980,"num_turns":3,"result":"Fixed the off-by-one in add(); tests pass.","stop_reason":"end_turn","session_id":"9c1e7f3a-2b7a-4e8e-9d4a-1c2b3d4e5f60","total_cost_usd":0.0412,"usage":{"input_tokens":9,"cache_creation_input_tokens":1200,"cache_read_input_tokens":27700,"output_tokens":77},"modelUsage":{"claude-sonnet-4-5":{"inputTokens":9,"outputTokens":77,"cacheReadInputTokens":27700,"cacheCreationInputTokens":1200,"webSearchRequests":0,"costUSD":0.0412,"contextWindow":200000,"maxOutputTokens":64000}},"permission_denials":[],"uuid":"a0b1c2d3-0000-4000-8000-000000000005"}';
const C_MAX_TURNS = '{"type":"result","subtype":"error_max_turns","is_error":true,"duration_ms":61234,"duration_api_ms":58012,"num_turns":11,"stop_reason":null,"session_id":"9c1e…","total_cost_usd":0.31,"usage":{"input_tokens":120,"cache_creation_input_tokens":0,"cache_read_input_tokens":90100,"output_tokens":2210},"modelUsage":{},"permission_denials":[{"tool_name":"Bash","tool_use_id":"toolu_01Zz","tool_input":{"command":"git push"}}],"errors":[],"uuid":"…"}';
const C_LIMIT = '{"type":"result","subtype":"success","is_error":true,"duration_ms":900,"duration_api_ms":0,"num_turns":1,"result":"You\'ve hit your limit · resets 6pm","stop_reason":null,"session_id":"9c1e…","total_cost_usd":0,"usage":{"input_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0},"modelUsage":{},"permission_denials":[],"uuid":"…"}';
const C_RATE_EVENT = '{"type":"rate_limit_event","rate_limit_info":{"status":"rejected","rateLimitType":"five_hour","resetsAt":1772096400},"uuid":"…","session_id":"9c1e…"}';
const C_RETRY = '{"type":"system","subtype":"api_retry","attempt":1,"max_retries":10,"retry_delay_ms":2000,"error_status":529,"error":"server_error","uuid":"…","session_id":"9c1e…"}';
const CLAUDE_OK = lines(C_INIT, C_ASSIST1, C_USER1, C_ASSIST2, C_USER2, C_RESULT);

test('claude: a successful run', () => {
  const { before, final } = assertChunkingStable('claude', CLAUDE_OK);
  assert.equal(before.outcome, 'success');
  assert.equal(final.outcome, 'success');
  assert.equal(final.outcome_message, undefined);
  assert.equal(final.session_id, '9c1e7f3a-2b7a-4e8e-9d4a-1c2b3d4e5f60');
  assert.equal(final.model, 'claude-sonnet-4-5');
  assert.equal(final.turns, 3, 'num_turns of the result is authoritative');
  assert.equal(final.tool_calls, 2);
  assert.deepEqual(tools(final), [['Bash', 'npm test', 'error'], ['Edit', '/work/app/src/add.js', 'ok']]);
  assert.deepEqual(final.last_tool_calls.map((c) => c.id), ['toolu_01Ab', 'toolu_01Ac']);
  assert.deepEqual(final.tokens, { input: 9 + 1200 + 27700, output: 77 });
  assert.equal(final.cost_usd, 0.0412);
  assert.equal(final.last_text, 'Fixed the off-by-one in add(); tests pass.');
  assert.equal(final.events, 13, 'session, 2 turns, text, 2 calls, 2 results, 3 usage, cost, result');
  assert.equal(final.raw_lines, 0);
  assert.equal(final.updated_at, END);
});

test('claude: before the result, turns count message ids and usage adds per message', () => {
  const { before } = run('claude', lines(C_INIT, C_ASSIST1, C_USER1, C_ASSIST1.replace('"output_tokens":58', '"output_tokens":60'), C_ASSIST2));
  assert.equal(before.turns, 2, 'a repeated message id is the same turn');
  assert.deepEqual(before.tokens, { input: 9604 + 9602, output: 60 + 41 });
  assert.equal(before.last_text, 'Running the tests first.');
  assert.equal(before.outcome, undefined);
  assert.equal(before.cost_usd, undefined);
});

test('claude: max turns, rate limit, auth error, budget', () => {
  const max = run('claude', lines(C_INIT, C_ASSIST1, C_MAX_TURNS), { end: { exitCode: 1 } }).final;
  assert.equal(max.outcome, 'max_turns');
  assert.equal(max.turns, 11);
  assert.equal(max.cost_usd, 0.31);
  assert.match(max.outcome_message, /turn limit after 11 turns/);

  const limit = run('claude', lines(C_INIT, C_RATE_EVENT, C_LIMIT), { end: { exitCode: 1 } }).final;
  assert.equal(limit.outcome, 'rate_limited');
  assert.equal(limit.outcome_message, "You've hit your limit · resets 6pm");
  assert.equal(limit.last_notice.level, 'warning');
  assert.match(limit.last_notice.message, /rate limit reached \(five_hour\), resets 2026-02-26T09:00:00.000Z/);
  assert.equal(limit.last_text, undefined, 'an error text is not the answer');

  const auth = run('claude', lines(C_LIMIT.replace("You've hit your limit · resets 6pm", 'Invalid API key · Please run /login'))).final;
  assert.equal(auth.outcome, 'auth_error');
  assert.equal(auth.outcome_message, 'Invalid API key · Please run /login');

  const budget = run('claude', lines(C_MAX_TURNS.replace('error_max_turns', 'error_max_budget_usd'))).final;
  assert.equal(budget.outcome, 'error');
  assert.match(budget.outcome_message, /budget/);

  const other = run('claude', lines('{"type":"result","subtype":"error_during_execution","is_error":true,"num_turns":2,"errors":["tool crashed"]}')).final;
  assert.equal(other.outcome, 'error');
  assert.equal(other.outcome_message, 'tool crashed');
});

test('claude: a rate limit notice without a result line decides the outcome', () => {
  const { final } = run('claude', lines(C_INIT, C_RATE_EVENT), { end: { exitCode: 1 } });
  assert.equal(final.outcome, 'rate_limited');
  assert.match(final.outcome_message, /rate limit reached/);
});

test('a rate limit or auth notice stands only while nothing happened after it', () => {
  const retry429 = C_RETRY.replace('"error_status":529,"error":"server_error"', '"error_status":429,"error":"rate_limit"');
  const going = lines(C_INIT, retry429, C_ASSIST1);
  for (const end of [{ timedOut: true, killed: true, signal: 'SIGTERM' }, { killed: true, signal: 'SIGKILL' }, { exitCode: 1 }]) {
    const { final } = run('claude', going, { end });
    assert.equal(final.outcome, 'error', JSON.stringify(end));
  }
  assert.equal(run('claude', going, { end: { timedOut: true } }).final.outcome_message, 'timed out', 'the notice no longer stands');
  assert.equal(run('claude', going, { end: { exitCode: 1 } }).final.outcome_message, 'the agent ended without a result line (exit code 1)');

  // Killed or timed out right after the notice: jobctl's stop decides, the message names the notice.
  const stuck = run('claude', lines(C_INIT, C_RATE_EVENT), { end: { timedOut: true } }).final;
  assert.equal(stuck.outcome, 'error');
  assert.equal(stuck.outcome_message, 'timed out; last notice: rate limit reached (five_hour), resets 2026-02-26T09:00:00.000Z');
  const killed = run('claude', lines(C_INIT, retry429), { end: { killed: true, signal: 'SIGTERM' } }).final;
  assert.deepEqual([killed.outcome, killed.outcome_message], ['error', 'killed; last notice: API error 429 rate_limit, retry 1/10 in 2s']);
  assert.equal(run('claude', lines(C_INIT, retry429), { end: { exitCode: 1 } }).final.outcome, 'rate_limited');

  const reconnect = '{"type":"error","message":"Reconnecting... 2/5 (unexpected status 429 Too Many Requests)"}';
  const codex = lines(X_THREAD, X_TURN, reconnect, X_REASON, X_CMD_START);
  assert.deepEqual(['error', 'timed out'], Object.values(pick(run('codex', codex, { end: { timedOut: true } }).final)));
  assert.equal(run('codex', codex, { end: { exitCode: 1 } }).final.outcome, 'error');
  assert.equal(run('codex', lines(X_THREAD, X_TURN, X_REASON, reconnect), { end: { exitCode: 1 } }).final.outcome, 'rate_limited');

  const keyWarning = '{"type":"error","timestamp":"2026-03-01T12:00:01.000Z","severity":"warning","message":"GEMINI_API_KEY is deprecated, using GOOGLE_API_KEY"}';
  const gemini = lines(G_INIT, keyWarning, G_TOOL);
  assert.deepEqual(['error', 'killed'], Object.values(pick(run('gemini', gemini, { end: { killed: true, signal: 'SIGTERM' } }).final)));
  assert.equal(run('gemini', gemini, { end: { exitCode: 1 } }).final.outcome, 'error');
  assert.equal(run('gemini', lines(G_INIT, G_TOOL, G_TOOL_OK, keyWarning), { end: { exitCode: 1 } }).final.outcome, 'auth_error');
});

test('a result line seen stands over a stop for the turn limit', () => {
  const stop = { stoppedForMaxTurns: true, killed: true, signal: 'SIGTERM' };
  assert.deepEqual(pick(run('claude', CLAUDE_OK, { maxTurns: 1, end: stop }).final), { outcome: 'success', outcome_message: undefined });
  assert.equal(run('claude', lines(C_INIT, C_MAX_TURNS), { maxTurns: 1, end: stop }).final.outcome_message, 'reached the turn limit after 11 turns');
  assert.equal(run('codex', lines(X_THREAD, X_TURN, X_MESSAGE, X_DONE), { maxTurns: 1, end: stop }).final.outcome, 'success');
  const none = run('codex', lines(X_THREAD, X_TURN, X_REASON, X_CMD_START, X_CMD_DONE, X_MESSAGE), { maxTurns: 1, end: { ...stop, stderrLine: 'Error: 429' } }).final;
  assert.deepEqual(pick(none), { outcome: 'max_turns', outcome_message: 'stopped by jobctl after 2 turns (--max-turns 1)' });
});

test('without a result line, the last stderr line is classified and appended', () => {
  const at = (agent, input, end) => pick(run(agent, input, { end }).final);
  assert.deepEqual(at('claude', '', { exitCode: 1, stderrLine: 'Error: Invalid API key · Please run /login' }),
    { outcome: 'auth_error', outcome_message: 'the agent ended without a result line (exit code 1); stderr: Error: Invalid API key · Please run /login' });
  assert.deepEqual(at('codex', lines(X_THREAD), { exitCode: 1, stderrLine: '  HTTP 429 Too Many Requests\n' }),
    { outcome: 'rate_limited', outcome_message: 'the agent ended without a result line (exit code 1); stderr: HTTP 429 Too Many Requests' });
  assert.deepEqual(at('claude', '', { exitCode: 1, stderrLine: 'Error: When using --print, --output-format=stream-json requires --verbose' }),
    { outcome: 'error', outcome_message: 'the agent ended without a result line (exit code 1); stderr: Error: When using --print, --output-format=stream-json requires --verbose' });
  assert.deepEqual(at('gemini', lines(G_INIT), { exitCode: 41, stderrLine: 'Please set an Auth method' }),
    { outcome: 'auth_error', outcome_message: 'gemini exited 41: authentication failed; stderr: Please set an Auth method' });
  assert.deepEqual(at('claude', lines(C_INIT, C_RATE_EVENT), { exitCode: 1, stderrLine: 'bye' }),
    { outcome: 'rate_limited', outcome_message: 'rate limit reached (five_hour), resets 2026-02-26T09:00:00.000Z; stderr: bye' });
  assert.deepEqual(at('claude', '', { exitCode: 1, stderrLine: '   ' }), { outcome: 'error', outcome_message: 'the agent ended without a result line (exit code 1)' });
  // Not when jobctl stopped the run, nor when a result line came.
  assert.deepEqual(at('claude', '', { timedOut: true, stderrLine: 'Error: Invalid API key' }), { outcome: 'error', outcome_message: 'timed out' });
  assert.deepEqual(at('claude', '', { killed: true, stderrLine: 'Error: Invalid API key' }), { outcome: 'error', outcome_message: 'killed' });
  assert.deepEqual(at('claude', CLAUDE_OK, { exitCode: 1, stderrLine: 'Error: Invalid API key' }), { outcome: 'success', outcome_message: undefined });
  const long = run('codex', lines(X_THREAD, '{"type":"error","message":"' + 'e'.repeat(600) + '"}'), { end: { exitCode: 1, stderrLine: 's'.repeat(600) } }).final;
  assert.equal(long.outcome_message.length, 500);
  assert.match(long.outcome_message, /^the agent ended without a result line \(exit code 1\): e+…; stderr: s{299}…$/);
});

test('claude: api_retry is a warning, unknown types and subtypes are ignored', () => {
  const { before, final } = run('claude', lines(
    C_INIT,
    C_RETRY,
    '{"type":"stream_event","event":{"type":"content_block_delta"}}',
    '{"type":"system","subtype":"hook_response","output":"x"}',
    '{"type":"assistant","message":{"id":"msg_X","content":[{"type":"thinking","thinking":"hmm"},{"type":"future_block"}]}}',
    '{"type":"totally_new"}',
    '{"no_type":true}',
  ));
  assert.equal(before.events, 3, 'session, notice, turn');
  assert.equal(before.raw_lines, 0);
  assert.deepEqual({ ...before.last_notice, at: undefined }, { level: 'warning', message: 'API error 529 server_error, retry 1/10 in 2s', at: undefined });
  assert.equal(before.turns, 1);
  assert.equal(final.outcome, 'error');
  assert.equal(final.outcome_message, 'the agent ended without a result line (exit code 0)');
});

test('claude: sub-agent lines give tool calls but no turns or text', () => {
  const sub = C_ASSIST1.replace('"msg_01Hk"', '"msg_sub"').replace('"parent_tool_use_id":null', '"parent_tool_use_id":"toolu_task"');
  const { before } = run('claude', lines(C_ASSIST2, sub));
  assert.equal(before.turns, 1);
  assert.equal(before.tool_calls, 2);
  assert.equal(before.last_text, undefined);
});

test('claude: non-JSON noise is raw, blank lines and CRLF are fine', () => {
  const input = `\n  \r\nWarning: something odd\r\n${C_INIT}\r\n\n[1, 2]\n"a string"\nnull\n${C_ASSIST1}\r\n\r\n${C_RESULT}\r\n\n`;
  const { events, final } = assertChunkingStable('claude', input);
  assert.equal(final.raw_lines, 4);
  assert.deepEqual(events.filter((e) => e.kind === 'raw').map((e) => e.text), ['Warning: something odd', '[1, 2]', '"a string"', 'null']);
  assert.equal(final.outcome, 'success');
  assert.equal(final.session_id, '9c1e7f3a-2b7a-4e8e-9d4a-1c2b3d4e5f60');
});

test('claude: a truncated last line is raw and the run failed', () => {
  const input = `${lines(C_INIT, C_ASSIST1)}${C_RESULT.slice(0, 60)}`;
  const { events, before, final } = assertChunkingStable('claude', input);
  assert.deepEqual(events.at(-1), { kind: 'raw', text: C_RESULT.slice(0, 60) });
  assert.equal(before.raw_lines, 1);
  assert.equal(final.outcome, 'error');
  assert.equal(final.outcome_message, 'the agent ended without a result line (exit code 0)');
  // A complete last line without its newline still counts.
  assert.equal(run('claude', `${lines(C_INIT)}${C_RESULT}`).final.outcome, 'success');
});

test('ending without a result: timed out, killed, signal', () => {
  const input = lines(C_INIT, C_ASSIST1);
  assert.equal(run('claude', input, { end: { timedOut: true, killed: true, signal: 'SIGTERM' } }).final.outcome_message, 'timed out');
  assert.equal(run('claude', input, { end: { killed: true, signal: 'SIGKILL' } }).final.outcome_message, 'killed');
  assert.equal(run('claude', input, { end: { signal: 'SIGSEGV' } }).final.outcome_message, 'the agent ended without a result line (signal SIGSEGV)');
  assert.equal(run('claude', input, { end: { timedOut: true } }).final.outcome, 'error');
});

test('an over-long line that is not JSON is cut, reported raw and does not stop the stream', () => {
  const big = Buffer.alloc(MAX_LINE_BYTES + 100_000, 0x78);
  const input = Buffer.concat([Buffer.from(lines(C_INIT)), big, Buffer.from(`\n${lines(C_RESULT)}`)]);
  const stream = createAgentStream('claude');
  const events = [];
  for (let i = 0; i < input.length; i += 65_536) events.push(...stream.push(input.subarray(i, i + 65_536)));
  events.push(...stream.end());
  const raws = events.filter((e) => e.kind === 'raw');
  assert.equal(raws.length, 1);
  assert.ok(raws[0].text.length <= 1000, `raw text of ${raws[0].text.length} chars`);
  assert.match(raws[0].text, /^x{970,}… \(line of 4294304 bytes cut\)$/);
  assert.deepEqual(events.map((e) => e.kind), ['session', 'raw', 'usage', 'cost', 'result']);
  // A line at the cap is parsed; an endless last line is reported at the end.
  const exact = `{"type":"x","pad":"${'y'.repeat(MAX_LINE_BYTES - 21)}"}`;
  assert.equal(Buffer.byteLength(exact), MAX_LINE_BYTES);
  assert.deepEqual(createAgentStream('claude').push(Buffer.from(`${exact}\n`)), []);
  assert.deepEqual(createAgentStream('claude').push(Buffer.from(`${exact} \n`)), [], 'one byte more: read with its string cut');
  const notJson = `{"type":"x","pad":${'1'.repeat(MAX_LINE_BYTES)}`;
  assert.match(createAgentStream('claude').push(Buffer.from(`${notJson}\n`))[0].text, /^\{"type":"x","pad":1+… \(line of 4194322 bytes cut\)$/, 'not a JSON object once read: raw');
  const endless = createAgentStream('codex');
  assert.deepEqual(endless.push(big), []);
  assert.deepEqual(endless.push(big), []);
  const tail = endless.end();
  assert.equal(tail.length, 1);
  assert.match(tail[0].text, /line of 8588608 bytes cut/);
});

/** Feeds `input` in chunks of `size` bytes (the whole of it when 0); returns the events and record. */
function feed(agent, input, size, end = { exitCode: 0 }) {
  const stream = createAgentStream(agent);
  const activity = new Activity(agent);
  const events = [];
  const step = size || input.length;
  for (let i = 0; i < input.length; i += step) events.push(...stream.push(input.subarray(i, i + step)));
  events.push(...stream.end());
  activity.apply(events, NOW);
  return { events, final: activity.finish(end, END) };
}

/** The same events and record whatever the chunk size. */
function feedStable(agent, input, end) {
  const whole = feed(agent, input, 0, end);
  for (const size of [65_536, 99_991, 1_000_003]) {
    const other = feed(agent, input, size, end);
    assert.deepEqual(other.events, whole.events, `${agent} chunks of ${size}`);
    assert.deepEqual(other.final, whole.final, `${agent} chunks of ${size}`);
  }
  return whole;
}

/** A JSON string body of about `bytes` bytes, with escapes and multi-byte characters. */
const bigText = (bytes, head = 'BEGIN ') => `${head}${'ok ’é😀 \\"q\\" \\\\ \\u00e9\\n'.repeat(Math.ceil(bytes / 30))}`;

test('over-long JSON lines keep their events: a Claude tool_result and result of 6 MiB', () => {
  const user = `{"type":"user","message":{"role":"user","content":[{"tool_use_id":"toolu_01Ab","type":"tool_result","content":"${bigText(3 << 20)}","is_error":true}]},"parent_tool_use_id":null,"session_id":"9c1e","tool_use_result":{"stdout":"${bigText(3 << 20)}","stderr":"","interrupted":false}}`;
  const result = C_RESULT.replace('"Fixed the off-by-one in add(); tests pass."', `"${bigText(6 << 20, 'Fixed it. ')}"`);
  assert.ok(Buffer.byteLength(user) > 6 << 20 && Buffer.byteLength(result) > 6 << 20);
  const { events, final } = feedStable('claude', Buffer.from(lines(C_INIT, C_ASSIST1, user, result)));
  assert.deepEqual(tools(final), [['Bash', 'npm test', 'error']], 'is_error after the long content counts');
  const toolResult = events.find((e) => e.kind === 'tool_result');
  assert.equal(toolResult.id, 'toolu_01Ab');
  assert.ok(toolResult.output.startsWith('BEGIN ok ’é😀 "q" \\ é ok') && toolResult.output.length <= 200);
  assert.equal(final.outcome, 'success');
  assert.equal(final.turns, 3);
  assert.equal(final.cost_usd, 0.0412);
  assert.deepEqual(final.tokens, { input: 9 + 1200 + 27700, output: 77 });
  assert.equal(final.raw_lines, 0);
  assert.ok(final.last_text.startsWith('Fixed it. ok ’é😀') && final.last_text.length === 1000);

  const failed = result.replace('"subtype":"success","is_error":false', '"subtype":"error_during_execution","is_error":true');
  assert.equal(feed('claude', Buffer.from(lines(C_INIT, failed)), 65_536).final.outcome, 'error');
});

test('over-long JSON lines keep their events: a Codex command output of 6 MiB', () => {
  const done = (exit, status) => `{"type":"item.completed","item":{"id":"item_1","type":"command_execution","command":"bash -lc ls","aggregated_output":"${bigText(6 << 20)}","exit_code":${exit},"status":"${status}"}}`;
  const ok = feedStable('codex', Buffer.from(lines(X_THREAD, X_TURN, X_CMD_START, done(0, 'completed'), X_MESSAGE, X_DONE)));
  assert.deepEqual(tools(ok.final), [['command', 'bash -lc ls', 'ok']]);
  assert.equal(ok.final.outcome, 'success');
  assert.equal(ok.final.turns, 2);
  assert.equal(ok.final.raw_lines, 0);
  const bad = feedStable('codex', Buffer.from(lines(X_THREAD, X_TURN, X_CMD_START, done(2, 'failed'))));
  assert.deepEqual(tools(bad.final), [['command', 'bash -lc ls', 'error']]);
  assert.deepEqual(bad.events.map((e) => e.kind), ['session', 'turn', 'tool_call', 'tool_result']);
});

test('an over-long string is cut at a character boundary, the cut marked', () => {
  for (const filler of ['😀', 'é', '\\u00e9', '\\"', '\\\\', '\\ud83d\\ude00']) {
    for (let pad = 4092; pad <= 4100; pad += 1) {
      const body = `${'a'.repeat(pad)}${filler.repeat(Math.ceil(MAX_LINE_BYTES / filler.length))}`;
      const line = `{"type":"item.completed","item":{"id":"m","type":"agent_message","text":"${body}"}}\n`;
      const events = createAgentStream('codex').push(Buffer.from(line));
      assert.deepEqual(events.map((e) => e.kind), ['turn', 'text'], `${filler} ${pad}`);
      const m = /^([^]*)… \((\d+) bytes cut\)$/.exec(events[1].text);
      assert.ok(m, `${filler} ${pad}: marked`);
      const whole = JSON.parse(`"${'a'.repeat(pad)}${filler.repeat(5000)}"`);
      assert.ok(whole.startsWith(m[1]) && m[1].length >= 4000 && !m[1].includes('\ufffd'), `${filler} ${pad}: a clean prefix`);
      assert.ok(Number(m[2]) > MAX_LINE_BYTES - 5000, `${filler} ${pad}: ${m[2]} bytes cut`);
    }
  }
});

test('an over-long JSON line cut off at the end, or not an object, stays raw', () => {
  const cut = Buffer.from(`{"type":"result","subtype":"success","result":"${'x'.repeat(MAX_LINE_BYTES)}`);
  const { events, final } = feed('claude', cut, 65_536);
  assert.deepEqual(events.map((e) => e.kind), ['raw']);
  assert.match(events[0].text, /^\{"type":"result","subtype":"success","result":"x+… \(line of 4194351 bytes cut\)$/);
  assert.equal(final.outcome, 'error');
  const array = Buffer.from(`[{"type":"result","result":"${'x'.repeat(MAX_LINE_BYTES)}"}]\n`);
  assert.deepEqual(feed('claude', array, 0).events.map((e) => e.kind), ['raw']);
  const bom = Buffer.from(`\ufeff  {"type":"result","subtype":"success","is_error":false,"result":"${'x'.repeat(MAX_LINE_BYTES)}"}\r\n`);
  assert.equal(feed('claude', bom, 99_991).final.outcome, 'success', 'a BOM, spaces and CR around the object');
});

test('invalid UTF-8 never throws: noise is raw, JSON strings get replacement chars', () => {
  const bad = Buffer.from([0xff, 0xfe, 0x41, 0xc3, 0x0a]);
  const json = Buffer.concat([
    Buffer.from('{"type":"assistant","message":{"id":"m1","content":[{"type":"text","text":"a'),
    Buffer.from([0xff, 0xc3]),
    Buffer.from('b"}]}}\n'),
  ]);
  const { events, final } = assertChunkingStable('claude', Buffer.concat([bad, json, Buffer.from([0x80, 0x80])]));
  assert.deepEqual(events.map((e) => e.kind), ['raw', 'turn', 'text', 'raw']);
  assert.equal(events[0].text, '\ufffd\ufffdA\ufffd');
  assert.equal(final.last_text, 'a\ufffd\ufffdb');
  assert.equal(final.raw_lines, 2);
});

test('a multi-byte character split between chunks decodes whole', () => {
  const stream = createAgentStream('codex');
  const line = Buffer.from('{"type":"item.completed","item":{"id":"i","type":"agent_message","text":"’é😀"}}\n');
  const at = line.indexOf(Buffer.from('😀')) + 2;
  assert.deepEqual(stream.push(line.subarray(0, at)), []);
  const events = stream.push(line.subarray(at));
  assert.deepEqual(events.at(-1), { kind: 'text', text: '’é😀' });
});

// ---- Codex --------------------------------------------------------------------------------

const X_THREAD = '{"type":"thread.started","thread_id":"0199a213-81c0-7800-8aa1-bbab2a035a53"}';
const X_TURN = '{"type":"turn.started"}';
const X_REASON = '{"type":"item.completed","item":{"id":"item_0","type":"reasoning","text":"**Searching for README files**"}}';
const X_CMD_START = '{"type":"item.started","item":{"id":"item_1","type":"command_execution","command":"bash -lc ls","aggregated_output":"","status":"in_progress"}}';
const X_CMD_DONE = '{"type":"item.completed","item":{"id":"item_1","type":"command_execution","command":"bash -lc ls","aggregated_output":"2025-09-11\\nAGENTS.md\\nCHANGELOG.md\\n…","exit_code":0,"status":"completed"}}';
const X_MESSAGE = '{"type":"item.completed","item":{"id":"item_3","type":"agent_message","text":"Yep — there’s a `README.md` in the repository root."}}';
const X_DONE = '{"type":"turn.completed","usage":{"input_tokens":24763,"cached_input_tokens":24448,"output_tokens":122}}';
const X_FAILED = '{"type":"turn.failed","error":{"message":"stream disconnected before completion"}}';

test('codex: a successful run', () => {
  const { final } = assertChunkingStable('codex', lines(X_THREAD, X_TURN, X_REASON, X_CMD_START, X_CMD_DONE, X_MESSAGE, X_DONE));
  assert.equal(final.outcome, 'success');
  assert.equal(final.session_id, '0199a213-81c0-7800-8aa1-bbab2a035a53');
  assert.equal(final.model, undefined);
  assert.equal(final.turns, 2, 'reasoning+command, then the answer after the tool result');
  assert.equal(final.tool_calls, 1);
  assert.deepEqual(tools(final), [['command', 'bash -lc ls', 'ok']]);
  assert.deepEqual(final.tokens, { input: 24763, output: 122 });
  assert.equal(final.cost_usd, undefined);
  assert.equal(final.last_text, 'Yep — there’s a `README.md` in the repository root.');
});

test('codex: turn.failed after turn.completed undoes the success; usage adds up over turns', () => {
  const { before, activity, final } = run('codex', lines(X_THREAD, X_TURN, X_REASON, X_MESSAGE, X_DONE, X_TURN, X_MESSAGE, X_DONE, X_FAILED), { end: { exitCode: 1 } });
  assert.equal(before.outcome, undefined);
  assert.equal(activity.resultSeen, false);
  assert.equal(final.outcome, 'error');
  assert.equal(final.outcome_message, 'the agent ended without a result line (exit code 1): stream disconnected before completion');
  assert.deepEqual(final.tokens, { input: 2 * 24763, output: 2 * 122 });
  assert.equal(final.turns, 2);
  // A reconnect notice is a warning and does not undo a later success.
  const retried = run('codex', lines(X_THREAD, '{"type":"error","message":"Reconnecting... 1/5"}', X_MESSAGE, X_DONE)).final;
  assert.equal(retried.outcome, 'success');
  assert.equal(retried.last_notice.level, 'warning');
});

test('codex: failed commands, completed items without a start, other tools', () => {
  const { final } = run('codex', lines(
    X_THREAD,
    '{"type":"item.started","item":{"id":"c1","type":"command_execution","command":["bash","-lc","npm test"],"status":"in_progress"}}',
    '{"type":"item.updated","item":{"id":"c1","type":"command_execution","command":"npm test","status":"in_progress"}}',
    '{"type":"item.completed","item":{"id":"c1","type":"command_execution","command":"npm test","aggregated_output":"1 failing","exit_code":1,"status":"failed"}}',
    '{"type":"item.completed","item":{"id":"f1","type":"file_change","changes":[{"path":"src/add.js","kind":"update"},{"path":"src/new.js","kind":"add"}],"status":"completed"}}',
    '{"type":"item.started","item":{"id":"m1","type":"mcp_tool_call","server":"docs","tool":"search","arguments":{"query":"add"},"status":"in_progress"}}',
    '{"type":"item.completed","item":{"id":"m1","type":"mcp_tool_call","server":"docs","tool":"search","arguments":{"query":"add"},"status":"failed","error":{"message":"timeout"}}}',
    '{"type":"item.completed","item":{"id":"w1","type":"web_search","query":"node test runner"}}',
    '{"type":"item.completed","item":{"id":"t1","type":"todo_list","items":[]}}',
    '{"type":"item.started","item":{"id":"x1","type":"something_new"}}',
    X_MESSAGE,
    X_DONE,
  ));
  assert.deepEqual(tools(final), [
    ['command', 'bash -lc npm test', 'error'],
    ['file_change', 'update src/add.js, add src/new.js', 'ok'],
    ['docs.search', 'add', 'error'],
    ['web_search', 'node test runner', 'ok'],
  ]);
  assert.equal(final.tool_calls, 4);
  assert.equal(final.turns, 5);
  assert.equal(final.outcome, 'success');
});

test('codex: rate limit and auth errors, max turns stopped by jobctl', () => {
  const limit = run('codex', lines(X_THREAD, X_TURN, '{"type":"error","message":"You\'ve hit your usage limit. Try again in 3 hours."}', '{"type":"turn.failed","error":{"message":"You\'ve hit your usage limit."}}'), { end: { exitCode: 1 } }).final;
  assert.equal(limit.outcome, 'rate_limited');
  assert.equal(limit.outcome_message, "You've hit your usage limit.", 'the latest such notice');
  const auth = run('codex', lines(X_THREAD, '{"type":"error","message":"unexpected status 401 Unauthorized: Missing bearer authentication"}'), { end: { exitCode: 1 } }).final;
  assert.equal(auth.outcome, 'auth_error');

  const stream = createAgentStream('codex');
  const activity = new Activity('codex', 2);
  activity.apply(stream.push(Buffer.from(lines(X_THREAD, X_TURN, X_REASON, X_CMD_START, X_CMD_DONE, X_MESSAGE))), NOW);
  assert.equal(activity.turns, 2);
  const max = activity.finish({ stoppedForMaxTurns: true, killed: true, signal: 'SIGTERM' }, END);
  assert.equal(max.outcome, 'max_turns');
  assert.equal(max.max_turns, 2);
  assert.equal(max.outcome_message, 'stopped by jobctl after 2 turns (--max-turns 2)');
});

test('codex: noise and a truncated end', () => {
  const { final } = assertChunkingStable('codex', `Reading prompt from stdin...\n${lines(X_THREAD, X_REASON)}${X_DONE.slice(0, 30)}`);
  assert.equal(final.raw_lines, 2);
  assert.equal(final.outcome, 'error');
  assert.equal(final.turns, 1);
});

// ---- Gemini CLI ---------------------------------------------------------------------------

const G_INIT = '{"type":"init","timestamp":"2026-03-01T12:00:00.000Z","session_id":"c8a5e0f2-6b1d-4f7e-9a3c-2d4e6f8a0b1c","model":"gemini-2.5-pro"}';
const G_USER = '{"type":"message","timestamp":"2026-03-01T12:00:00.010Z","role":"user","content":"Run the tests and fix failures"}';
const G_TOOL = '{"type":"tool_use","timestamp":"2026-03-01T12:00:02.120Z","tool_name":"run_shell_command","tool_id":"run_shell_command-1772366402120-0","parameters":{"command":"npm test"}}';
const G_TOOL_OK = '{"type":"tool_result","timestamp":"2026-03-01T12:00:05.480Z","tool_id":"run_shell_command-1772366402120-0","status":"success","output":"1 failing"}';
const G_READ = '{"type":"tool_use","timestamp":"2026-03-01T12:00:05.900Z","tool_name":"read_file","tool_id":"read_file-1772366405900-1","parameters":{"absolute_path":"src/ad.js"}}';
const G_TOOL_ERR = '{"type":"tool_result","timestamp":"2026-03-01T12:00:06.001Z","tool_id":"read_file-1772366405900-1","status":"error","error":{"type":"FILE_NOT_FOUND","message":"File not found: src/ad.js"}}';
const G_TEXT = '{"type":"message","timestamp":"2026-03-01T12:00:09.300Z","role":"assistant","content":"Fixed the off-by-one","delta":true}';
const G_TEXT2 = '{"type":"message","timestamp":"2026-03-01T12:00:09.310Z","role":"assistant","content":" in add().","delta":true}';
const G_WARN = '{"type":"error","timestamp":"2026-03-01T12:00:09.400Z","severity":"warning","message":"Loop detected, stopping execution"}';
const G_RESULT = '{"type":"result","timestamp":"2026-03-01T12:00:09.500Z","status":"success","stats":{"total_tokens":18234,"input_tokens":17001,"output_tokens":1233,"cached":12000,"input":5001,"duration_ms":9490,"tool_calls":3,"models":{"gemini-2.5-pro":{"total_tokens":18234,"input_tokens":17001,"output_tokens":1233,"cached":12000,"input":5001}}}}';

test('gemini: the documented example lines', () => {
  const { final } = assertChunkingStable('gemini', lines(G_INIT, G_USER, G_TOOL, G_TOOL_OK, G_TOOL_ERR, G_TEXT, G_WARN, G_RESULT));
  assert.equal(final.outcome, 'success');
  assert.equal(final.session_id, 'c8a5e0f2-6b1d-4f7e-9a3c-2d4e6f8a0b1c');
  assert.equal(final.model, 'gemini-2.5-pro');
  assert.equal(final.turns, 2);
  assert.deepEqual(tools(final), [['run_shell_command', 'npm test', 'ok']], 'a result without its call marks nothing');
  assert.equal(final.last_tool_calls[0].at, '2026-03-01T12:00:02.120Z');
  assert.deepEqual(final.tokens, { input: 17001, output: 1233 });
  assert.equal(final.last_text, 'Fixed the off-by-one');
  assert.deepEqual(final.last_notice, { level: 'warning', message: 'Loop detected, stopping execution', at: '2026-03-01T12:00:09.400Z' });
});

test('gemini: deltas append to one message, a new turn starts a new one', () => {
  const { before, final } = assertChunkingStable('gemini', lines(G_INIT, G_USER, G_TEXT, G_TOOL, G_TEXT2, G_TOOL_OK, G_READ, G_TOOL_ERR, G_TEXT, G_TEXT2, G_RESULT));
  assert.equal(before.last_text, 'Fixed the off-by-one in add().');
  assert.equal(final.turns, 3);
  assert.deepEqual(tools(final), [['run_shell_command', 'npm test', 'ok'], ['read_file', '{"absolute_path":"src/ad.js"}', 'error']]);
  const long = run('gemini', lines(...Array.from({ length: 30 }, () => G_TEXT.replace('Fixed the off-by-one', 'x'.repeat(50))))).final;
  assert.equal(long.last_text.length, 1000);
  assert.ok(long.last_text.endsWith('x…'));
});

test('gemini: exit codes decide without a result line', () => {
  const input = lines(G_INIT, G_USER, G_TOOL);
  const at = (exitCode) => run('gemini', input, { end: { exitCode } }).final;
  assert.deepEqual([at(41).outcome, at(41).outcome_message], ['auth_error', 'gemini exited 41: authentication failed']);
  assert.deepEqual([at(53).outcome, at(53).outcome_message], ['max_turns', 'gemini exited 53: session turn limit reached']);
  assert.deepEqual([at(42).outcome, at(42).outcome_message], ['error', 'gemini exited 42: invalid input']);
  assert.deepEqual([at(52).outcome, at(52).outcome_message], ['error', 'gemini exited 52: configuration error']);
  assert.deepEqual([at(54).outcome, at(54).outcome_message], ['error', 'gemini exited 54: tool execution error']);
  assert.deepEqual([at(0).outcome, at(0).outcome_message], ['error', 'the agent ended without a result line (exit code 0)']);
  assert.equal(run('claude', '', { end: { exitCode: 41 } }).final.outcome, 'error', 'gemini codes are only gemini\'s');
});

test('gemini: error results, rate limit and auth errors', () => {
  const quota = run('gemini', lines(G_INIT, '{"type":"result","status":"error","error":{"type":"API_ERROR","message":"Quota exceeded for quota metric"},"stats":{"input_tokens":10,"output_tokens":0}}'), { end: { exitCode: 1 } }).final;
  assert.equal(quota.outcome, 'rate_limited');
  assert.equal(quota.outcome_message, 'Quota exceeded for quota metric');
  assert.deepEqual(quota.tokens, { input: 10, output: 0 });
  const turns = run('gemini', lines('{"type":"result","status":"error","error":{"type":"MAX_TURNS","message":"Reached max session turns"}}')).final;
  assert.equal(turns.outcome, 'max_turns');
  const plain = run('gemini', lines('{"type":"result","status":"error"}')).final;
  assert.deepEqual([plain.outcome, plain.outcome_message], ['error', 'gemini reported status error']);
  const auth = run('gemini', lines(G_INIT, '{"type":"error","severity":"error","message":"API key not valid. Please pass a valid API key."}'), { end: { exitCode: 1 } }).final;
  assert.equal(auth.outcome, 'auth_error');
  assert.equal(auth.last_notice.level, 'error');
});

test('gemini: unknown types and noise', () => {
  const { before } = assertChunkingStable('gemini', lines(G_INIT, '{"type":"thought","content":"x"}', 'Loaded cached credentials.', '{"type":"message","role":"system","content":"x"}', G_RESULT));
  assert.equal(before.events, 3);
  assert.equal(before.raw_lines, 1);
  assert.equal(before.turns, 0);
});

// ---- opencode -----------------------------------------------------------------------------

const O = (type, part, extra = '') => `{"type":"${type}","timestamp":1772366400000,"sessionID":"ses_abc123"${extra},"part":${JSON.stringify(part)}}`;
const O_STEP = O('step_start', { id: 'prt_1', type: 'step-start' });
const O_TEXT1 = O('text', { type: 'text', text: 'Running the tests.' });
const O_BASH = O('tool_use', { type: 'tool', callID: 'call_1', tool: 'bash', state: { status: 'completed', input: { command: 'npm test' }, output: '1 failing' } });
const O_FINISH1 = O('step_finish', { type: 'step-finish', reason: 'tool-calls', cost: 0.01, tokens: { input: 1000, output: 50, reasoning: 10, cache: { read: 500, write: 0 } } });
const O_READ_RUN = O('tool_use', { type: 'tool', callID: 'call_2', tool: 'read', state: { status: 'running', input: { filePath: 'src/ad.js' } } });
const O_READ_ERR = O('tool_use', { type: 'tool', callID: 'call_2', tool: 'read', state: { status: 'error', input: { filePath: 'src/ad.js' }, error: 'File not found' } });
const O_FINISH2 = O('step_finish', { type: 'step-finish', reason: 'tool-calls', cost: 0.02, tokens: { input: 1200, output: 80, reasoning: 0, cache: { read: 600, write: 100 } } });
const O_TEXT2 = O('text', { type: 'text', text: 'Fixed the off-by-one.' });
const O_FINISH3 = O('step_finish', { type: 'step-finish', reason: 'stop', cost: 0.005, tokens: { input: 300, output: 20 } });
const O_DONE = '{"type":"done","timestamp":1772366409000,"sessionID":"ses_abc123"}';
const O_AUTH = '{"type":"error","timestamp":1772366401000,"sessionID":"ses_abc123","error":{"name":"ProviderAuthError","data":{"providerID":"anthropic","message":"Invalid credentials"}}}';
const OPENCODE_OK = lines(O_STEP, O_TEXT1, O_BASH, O_FINISH1, O_STEP, O_READ_RUN, O_READ_ERR, O_FINISH2, O_STEP, O_TEXT2, O_FINISH3, O_DONE);

test('opencode: a successful run', () => {
  const { before, final } = assertChunkingStable('opencode', OPENCODE_OK);
  assert.equal(before.outcome, 'success');
  assert.equal(final.outcome, 'success');
  assert.equal(final.session_id, 'ses_abc123');
  assert.equal(final.turns, 3);
  assert.equal(final.tool_calls, 2);
  assert.deepEqual(tools(final), [['bash', 'npm test', 'ok'], ['read', 'src/ad.js', 'error']]);
  assert.equal(final.last_tool_calls[0].at, '2026-03-01T12:00:00.000Z');
  assert.deepEqual(final.tokens, { input: 1500 + 1900 + 300, output: 60 + 80 + 20 });
  assert.equal(final.cost_usd, 0.035);
  assert.equal(final.last_text, 'Fixed the off-by-one.');
});

test('opencode: errors classify, done after an error carries it, no done is a failure', () => {
  const auth = run('opencode', lines(O_STEP, O_AUTH), { end: { exitCode: 1 } }).final;
  assert.equal(auth.outcome, 'auth_error');
  assert.equal(auth.outcome_message, 'Invalid credentials');
  const authDone = run('opencode', lines(O_STEP, O_AUTH, O_DONE)).final;
  assert.equal(authDone.outcome, 'auth_error');
  const rate = run('opencode', lines(O_STEP, O_AUTH.replace('ProviderAuthError', 'APIError').replace('Invalid credentials', 'Rate limit exceeded'), O_DONE)).final;
  assert.equal(rate.outcome, 'rate_limited');
  const other = run('opencode', lines(O_STEP, O_AUTH.replace('ProviderAuthError', 'UnknownError').replace('Invalid credentials', 'boom'), O_DONE)).final;
  assert.deepEqual([other.outcome, other.outcome_message], ['error', 'boom']);
  const cut = run('opencode', `${lines(O_STEP, O_TEXT1)}${O_DONE.slice(0, 20)}`).final;
  assert.deepEqual([cut.outcome, cut.raw_lines], ['error', 1]);
  const max = run('opencode', lines(O_STEP, O_STEP, O_STEP), { maxTurns: 2, end: { stoppedForMaxTurns: true } }).final;
  assert.deepEqual([max.outcome, max.outcome_message], ['max_turns', 'stopped by jobctl after 3 turns (--max-turns 2)']);
});

test('opencode: unknown types and noise', () => {
  const { before } = assertChunkingStable('opencode', lines(O_STEP, O('reasoning', { type: 'reasoning', text: 'hm' }), O('snapshot', {}), 'opencode v1.0 starting', '', O_DONE));
  assert.equal(before.events, 3, 'session, turn, result');
  assert.equal(before.raw_lines, 1);
});

// ---- Activity and classification ---------------------------------------------------------

test('activity: apply reports changes, record is a copy, resume from a saved record', () => {
  const a = new Activity('claude', 5);
  assert.equal(a.apply([], NOW), false);
  assert.equal(a.apply([{ kind: 'raw', text: 'x' }], NOW), true);
  const rec = a.record();
  rec.tokens.input = 99;
  rec.last_tool_calls.push({ name: 'x', input: '', status: 'ok', at: NOW });
  assert.equal(a.record().tokens.input, 0);
  assert.equal(a.record().last_tool_calls.length, 0);
  assert.equal(a.record().max_turns, 5);

  const calls = Array.from({ length: 12 }, (_, i) => ({ kind: 'tool_call', name: `t${i}`, input: 'i'.repeat(300) }));
  a.apply([{ kind: 'turn' }, ...calls, { kind: 'tool_result', ok: true }, { kind: 'cost', usd: 0.1, cumulative: false }, { kind: 'cost', usd: 0.2, cumulative: false }], NOW);
  const mid = a.record();
  assert.equal(mid.tool_calls, 12);
  assert.deepEqual(mid.last_tool_calls.map((c) => c.name), ['t2', 't3', 't4', 't5', 't6', 't7', 't8', 't9', 't10', 't11']);
  assert.equal(mid.last_tool_calls.at(-1).status, 'ok');
  assert.equal(mid.last_tool_calls.at(-2).status, 'running');
  assert.equal(mid.last_tool_calls[0].input.length, 200);
  assert.equal(mid.cost_usd, 0.3);

  const resumed = new Activity('claude', undefined, { ...mid, last_notice: { level: 'warning', message: 'rate limit reached (five_hour)', at: NOW } });
  assert.equal(resumed.turns, 1);
  assert.equal(resumed.resultSeen, false);
  resumed.apply([{ kind: 'turn' }], NOW);
  const end = resumed.finish({ exitCode: 1 }, END);
  assert.equal(end.turns, 2);
  assert.equal(end.max_turns, 5);
  assert.equal(end.tool_calls, 12);
  assert.equal(end.outcome, 'error', 'a turn after the saved notice: the run went on');
  const stuck = new Activity('claude', undefined, { ...mid, last_notice: { level: 'warning', message: 'rate limit reached (five_hour)', at: NOW } });
  assert.equal(stuck.finish({ exitCode: 1 }, END).outcome, 'rate_limited');
  const done = new Activity('claude', undefined, { ...mid, outcome: 'success' });
  assert.equal(done.resultSeen, true);
  assert.equal(done.finish({ exitCode: 1 }, END).outcome, 'success');
});

test('classify: limits, auth failures and the rest', () => {
  for (const m of ["You've hit your limit · resets 6pm", 'HTTP 429 Too Many Requests', 'Quota exceeded', 'rate_limit_error', 'RESOURCE_EXHAUSTED']) {
    assert.equal(classifyMessage(m), 'rate_limited', m);
  }
  for (const m of ['Invalid API key · Please run /login', '401 Unauthorized', 'status 403', 'Authentication failed', 'Could not load credentials', 'OAuth token has expired']) {
    assert.equal(classifyMessage(m), 'auth_error', m);
  }
  for (const m of ['stream disconnected before completion', 'tool crashed', 'author: 4010 lines', '', undefined]) {
    assert.equal(classifyMessage(m), undefined, m);
  }
});

test('the stream never throws on odd input', () => {
  const rand = rng(99);
  for (const agent of ['claude', 'codex', 'gemini', 'opencode']) {
    const stream = createAgentStream(agent);
    for (let i = 0; i < 200; i++) {
      const bytes = Buffer.from(Array.from({ length: Math.floor(rand() * 64) }, () => Math.floor(rand() * 256)));
      stream.push(bytes);
    }
    const odd = [
      '{"type":"assistant","message":null}', '{"type":"assistant","message":{"content":"text"}}',
      '{"type":"user","message":{"content":[null,1,{"type":"tool_result"}]}}', '{"type":"result","usage":[],"num_turns":"3"}',
      '{"type":"item.completed","item":[]}', '{"type":"item.started","item":{"type":"file_change","changes":[1,null]}}',
      '{"type":"turn.completed","usage":null}', '{"type":"tool_result","error":"x"}', '{"type":"result","stats":5}',
      '{"type":"tool_use","part":{"state":null}}', '{"type":"step_finish","part":{"tokens":{"cache":7}}}', '{"type":"error"}',
      '{"type":"init","timestamp":"not a time"}', '{"type":"text","timestamp":1e20,"part":{"text":5}}', '{"__proto__":{"type":"x"}}',
    ];
    assert.doesNotThrow(() => stream.push(Buffer.from(`\n${odd.join('\n')}\n`)), agent);
    assert.doesNotThrow(() => stream.end(), agent);
  }
});
