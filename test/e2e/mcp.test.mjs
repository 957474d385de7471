// `jobctl mcp` driven as a child over real stdio by the MCP SDK's own client: initialize,
// tools/list, every tool against real jobs, waits cut at the server's bound (with progress),
// a kill, a client that goes away while a job runs (the job finishes normally), malformed
// calls answered as tool errors with the CLI's codes, and a stdout that carries only protocol.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { BIN, PROJECT, assertMatchesSchema, jobctl, testDir, testEnv, waitFor, processAlive, withRoot } from '../helpers/jobctl.mjs';

const TOOLS = ['run', 'status', 'tail', 'wait', 'kill', 'list', 'logs', 'restart'];

async function connect(t, flags = []) {
  // One cleanup: the jobs settled, then the tree removed (withRoot).
  const { base: dir, root } = withRoot(t);
  const env = testEnv(root);
  delete env.JOBCTL_ROOT; // the server's --root names it
  const transport = new StdioClientTransport({ command: BIN, args: ['mcp', '--root', root, ...flags], env, cwd: dir, stderr: 'pipe' });
  const stderr = [];
  transport.stderr?.on('data', (d) => stderr.push(d));
  const client = new Client({ name: 'jobctl-test', version: '1.0.0' });
  const errors = [];
  client.onerror = (err) => errors.push(err);
  await client.connect(transport);
  t.after(() => client.close().catch(() => {}));
  const call = async (name, args, options) => {
    const result = await client.callTool({ name, arguments: args }, undefined, options);
    assert.equal(result.content.length, 1);
    assert.equal(result.content[0].type, 'text');
    assert.deepEqual(JSON.parse(result.content[0].text), result.structuredContent, 'the text is the structured content');
    assertMatchesSchema(result.isError ? 'error' : result.structuredContent.type, result.structuredContent);
    return result;
  };
  const ok = async (name, args, options) => {
    const result = await call(name, args, options);
    assert.ok(!result.isError, `${name} failed: ${result.content[0].text}`);
    return result.structuredContent;
  };
  return { dir, root, client, transport, call, ok, errors, stderr, cli: (args) => jobctl(args, { root }) };
}

test('initialize and tools/list: the eight tools with snake_case input schemas', async (t) => {
  const { client, errors } = await connect(t);
  assert.equal(client.getServerVersion().name, 'jobctl');
  assert.ok(client.getServerCapabilities().tools);
  assert.match(client.getInstructions(), /wait_timed_out/);
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((x) => x.name).sort(), [...TOOLS].sort());
  for (const tool of tools) {
    assert.equal(tool.inputSchema.type, 'object');
    assert.equal(tool.inputSchema.additionalProperties, false);
    assert.ok(tool.description.length > 20);
    for (const key of Object.keys(tool.inputSchema.properties)) assert.match(key, /^[a-z][a-z0-9_]*$/, `${tool.name}.${key} is snake_case`);
  }
  const props = (name) => tools.find((x) => x.name === name).inputSchema.properties;
  for (const key of ['command', 'snapshot_after', 'tags', 'timeout', 'notify_file', 'wait']) assert.ok(key in props('run'), `run takes ${key}`);
  for (const key of ['job_id', 'timeout', 'tail_lines']) assert.ok(key in props('wait'), `wait takes ${key}`);
  assert.ok('activity' in props('logs'));
  assert.ok(!('follow' in props('logs')), 'no streaming form');
  assert.ok(!('jsonl' in props('list')), 'no streaming form');
  assert.deepEqual(errors, []);
});

test('every tool on real jobs: the CLI\'s objects as structured content and text', async (t) => {
  const { ok, cli, dir } = await connect(t);
  const ran = await ok('run', { command: ['sh', '-c', 'echo out; echo err >&2'], snapshot_after: '10s', tags: ['mcp', 'ci'], name: 'mcp-job' });
  assert.equal(ran.type, 'run');
  assert.equal(ran.state, 'exited');
  assert.equal(ran.stdout_tail, 'out\n');
  const id = ran.job_id;
  const shell = await ok('run', { command: 'echo "$((6 * 7))"', wait: true });
  assert.equal(shell.stdout_tail, '42\n');
  assert.equal(shell.wait_clamped_to_ms, 50_000, 'wait: true asks for no limit: it gets the default bound');
  assert.equal(shell.wait_timed_out, false);

  const status = await ok('status', { job_id: id });
  assert.equal(status.exit_code, 0);
  assert.deepEqual(status.tags, ['mcp', 'ci']);
  assert.equal((await cli(['status', id])).json.state, status.state, 'the CLI sees the same job');
  assert.equal((await ok('status', { name: 'mcp-job' })).job_id, id);
  assert.equal((await ok('tail', { job_id: id, tail_lines: 1 })).stderr_tail, 'err\n');
  assert.equal((await ok('logs', { job_id: id })).stdout_tail, 'out\n');
  const waited = await ok('wait', { job_id: id, timeout: '5s' });
  assert.equal(waited.wait_timed_out, false);
  const listed = await ok('list', { tags: 'ci' });
  assert.deepEqual(listed.jobs.map((j) => j.job_id), [id]);
  assert.equal(listed.cwd, dir, 'list is scoped to the server\'s directory');
  assert.equal((await ok('list', { all: true })).count, 2);

  const sleeper = await ok('run', { command: ['sleep', '60'], snapshot_after: '0' });
  await waitFor(async () => (await ok('status', { job_id: sleeper.job_id })).state === 'running', { what: 'the sleeper to run' });
  const killed = await ok('kill', { job_id: sleeper.job_id, grace: '2s' });
  assert.equal(killed.state, 'killed');
  assert.equal(killed.sent, true);
});

test('run takes stdin as content; restart runs an ended job again in place', async (t) => {
  const { ok, call } = await connect(t);
  const fed = await ok('run', { command: ['sh', '-c', 'wc -c; tr a-z A-Z'], stdin: 'abc\n', wait: true });
  assert.equal(fed.exit_code, 0);
  assert.equal(fed.stdout_tail, '4\nABC\n', 'the job read the content on its stdin');
  const again = await ok('restart', { job_id: fed.job_id, wait: true });
  assert.equal(again.type, 'restart');
  assert.equal(again.job_id, fed.job_id);
  assert.equal((await ok('status', { job_id: fed.job_id })).attempt, 2);
  assert.equal(again.stdout_tail, '4\nABC\n', 'a restart feeds the stored stdin again');
  const running = await ok('run', { command: ['sleep', '60'], snapshot_after: '0' });
  const refused = await call('restart', { job_id: running.job_id });
  assert.equal(refused.isError, true);
  assert.equal(refused.structuredContent.error.code, 'invalid_state');
  const dash = await call('run', { command: ['cat'], stdin_file: '-' });
  assert.equal(dash.isError, true, 'stdin_file - would read the server\'s own stdin (the protocol)');
  assert.equal(dash.structuredContent.error.code, 'usage_error');
  const wrongType = await call('run', { command: ['cat'], stdin: true });
  assert.equal(wrongType.isError, true);
  assert.equal(wrongType.structuredContent.error.code, 'usage_error');
  await ok('kill', { job_id: running.job_id, grace: '2s' });
});

test('waits are cut at --max-wait: wait_timed_out, wait_clamped_to_ms, progress while waiting', async (t) => {
  const { ok, call, cli } = await connect(t, ['--max-wait', '1500ms']);
  const job = await ok('run', { command: ['sleep', '60'], snapshot_after: '0' });
  const progress = [];
  const waited = await ok('wait', { job_id: job.job_id, timeout: '10m' }, { onprogress: (p) => progress.push(p) });
  assert.equal(waited.wait_timed_out, true);
  assert.equal(waited.wait_clamped_to_ms, 1500);
  assert.equal(waited.state, 'running', 'the job runs on');
  assert.ok(progress.length >= 2, `progress notifications: ${JSON.stringify(progress)}`);
  assert.ok(progress.every((p, i) => p.total === 1500 && p.progress < 1500 && (i === 0 || p.progress > progress[i - 1].progress)), JSON.stringify(progress));

  const forever = await ok('wait', { job_id: job.job_id });
  assert.equal(forever.wait_timed_out, true, 'no timeout means the bound');
  assert.equal(forever.wait_clamped_to_ms, 1500);
  const short = await ok('wait', { job_id: job.job_id, timeout: '100ms' });
  assert.equal(short.wait_timed_out, true);
  assert.equal(short.wait_clamped_to_ms, undefined, 'a wait within the bound is answered as asked');

  const run = await ok('run', { command: ['sleep', '60'], wait: true });
  assert.equal(run.wait_clamped_to_ms, 1500);
  assert.equal(run.wait_timed_out, true);
  assert.equal(run.state, 'running');
  const late = await ok('run', { command: ['true'], snapshot_after: '1h' });
  assert.equal(late.wait_clamped_to_ms, 1500);
  assert.equal(late.wait_timed_out, false, 'it ended within the bound');
  const longGrace = await call('kill', { job_id: job.job_id, grace: '1m' });
  assert.equal(longGrace.isError, true, 'a grace past the bound would block past it');
  assert.equal(longGrace.structuredContent.error.code, 'usage_error');
  for (const id of [job.job_id, run.job_id]) assert.equal((await cli(['kill', id, '--signal', 'KILL'])).json.state, 'killed');
});

test('the client going away ends the server and touches no job: it finishes normally', async (t) => {
  const { ok, client, transport, root } = await connect(t);
  const job = await ok('run', { command: ['sh', '-c', 'sleep 1; echo finished'], snapshot_after: '0' });
  const serverPid = transport.pid;
  assert.ok(serverPid);
  await client.close();
  await waitFor(() => !processAlive(serverPid), { what: 'the MCP server to exit' });
  const { json } = await jobctl(['wait', job.job_id, '--timeout', '30s'], { root });
  assert.equal(json.state, 'exited');
  assert.equal(json.exit_code, 0);
  assert.equal(json.stdout_tail, 'finished\n');
});

test('a killed server leaves its job running to the end', async (t) => {
  const { ok, transport, root } = await connect(t);
  const job = await ok('run', { command: ['sh', '-c', 'sleep 1; echo finished'], snapshot_after: '0' });
  process.kill(transport.pid, 'SIGKILL');
  const { json } = await jobctl(['wait', job.job_id, '--timeout', '30s'], { root });
  assert.equal(json.state, 'exited');
  assert.equal(json.stdout_tail, 'finished\n');
});

test('malformed calls are tool errors with the CLI\'s codes, and start nothing', async (t) => {
  const { call, ok, errors } = await connect(t);
  const job = await ok('run', { command: ['true'], snapshot_after: '5s' });
  const id = job.job_id;
  const cases = [
    ['stat', { job_id: id }, 'usage_error', /unknown tool "stat"; did you mean status/],
    ['', {}, 'usage_error', /unknown tool/],
    ['status', {}, 'usage_error', /job id/],
    ['wait', undefined, 'usage_error', /job id/],
    ['tail', { job_id: 'zzzzzzzzzzzzzz' }, 'job_not_found'],
    ['status', { job_id: { id } }, 'usage_error', /job_id must be a string/],
    ['status', { job_id: id, verbose: true }, 'usage_error', /unknown option verbose/],
    ['status', { job_id: id, root: '/tmp' }, 'usage_error', /server's/],
    ['wait', { job_id: id, timeout: 'soon' }, 'invalid_duration'],
    ['wait', { job_id: id, timeout: true }, 'usage_error', /timeout must be a string/],
    ['wait', { job_id: id, timeout: '-5s' }, 'invalid_duration'],
    ['wait', { job_id: id, timeout: '99999999999d' }, 'invalid_duration'],
    ['run', {}, 'usage_error', /no command/],
    ['run', { command: [] }, 'usage_error', /command/],
    ['run', { command: [1, 2] }, 'usage_error', /command must be/],
    ['run', { command: 'true', snapshot_after: 'later' }, 'invalid_duration'],
    ['run', { command: 'true', wait: 'yes' }, 'usage_error', /wait must be true or false/],
    ['run', { command: 'true', tags: 5 }, 'usage_error', /tags must be/],
    ['run', { command: 'true', tags: ['bad tag!'] }, 'invalid_tag'],
    ['run', { command: 'true', tag: ['ci'] }, 'usage_error', /unknown option tag; did you mean tags/],
    ['run', { command: 'true', snapshotAfter: '1s' }, 'usage_error', /unknown option snapshotAfter/],
    ['kill', { job_id: id, signal: 'SIGNOPE' }, 'invalid_signal'],
    ['tail', { job_id: id, tail_lines: 'many' }, 'usage_error', /integer/],
    ['logs', { job_id: id, follow: true }, 'usage_error', /unknown option follow/],
    ['list', { jsonl: true }, 'usage_error', /unknown option jsonl/],
    ['list', { state: 'sleeping' }, 'usage_error'],
    ['status', { job_id: 'x\u0000y' }, 'usage_error', /NUL/],
    ['status', { job_id: 'a'.repeat(2 * 1024 * 1024) }, 'usage_error', /larger than/],
    ['run', { command: 'x'.repeat(2 * 1024 * 1024) }, 'usage_error', /larger than/],
  ];
  assert.ok(cases.length >= 15);
  for (const [name, args, code, message] of cases) {
    const result = await call(name, args);
    const what = `${name} ${JSON.stringify(args)?.slice(0, 80)}`;
    assert.equal(result.isError, true, `${what} is a tool error`);
    const { error } = result.structuredContent;
    assert.equal(error.code, code, `${what}: ${error.message}`);
    assert.equal(error.retryable, false);
    if (message) assert.match(error.message, message, what);
  }
  const listed = await ok('list', { all: true });
  assert.deepEqual(listed.jobs.map((j) => j.job_id), [id], 'no malformed run created a job');
  assert.deepEqual(errors, [], 'the client saw nothing but protocol messages');
});

test('stdout carries JSON-RPC messages only, even for bad input and verbose diagnostics', async (t) => {
  const { root } = withRoot(t);
  const child = spawn(BIN, ['mcp', '--root', root, '-vv'], { cwd: PROJECT, env: testEnv(root), stdio: ['pipe', 'pipe', 'pipe'] });
  const out = [];
  const err = [];
  child.stdout.on('data', (d) => out.push(d));
  child.stderr.on('data', (d) => err.push(d));
  const send = (obj) => child.stdin.write(JSON.stringify(obj) + '\n');
  send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
  send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'run', arguments: { command: ['echo', 'hello'], snapshot_after: '5s' } } });
  send({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'status', arguments: { job_id: 'nope' } } });
  send({ jsonrpc: '2.0', id: 4, method: 'no/such/method' });
  child.stdin.write('this is not json\n');
  await waitFor(() => Buffer.concat(out).toString().split('\n').filter(Boolean).length >= 4, { what: 'four answers' });
  child.stdin.end();
  const code = await new Promise((resolve) => child.on('close', resolve));
  assert.equal(code, 0);
  const lines = Buffer.concat(out).toString().split('\n').filter(Boolean);
  for (const line of lines) assert.equal(JSON.parse(line).jsonrpc, '2.0', `a protocol message: ${line.slice(0, 200)}`);
  const byId = Object.fromEntries(lines.map((l) => JSON.parse(l)).map((m) => [m.id, m]));
  assert.equal(byId[2].result.structuredContent.stdout_tail, 'hello\n');
  assert.equal(byId[3].result.isError, true);
  assert.equal(byId[4].error.code, -32601);
  assert.match(Buffer.concat(err).toString(), /jobctl info: mcp: serving 8 tools/, 'diagnostics go to stderr');
});

test('stdin closed right after a run: the launch completes, the job runs to its end, the server exits', async (t) => {
  const { base: dir, root } = withRoot(t);
  const child = spawn(BIN, ['mcp', '--root', root], { cwd: dir, env: testEnv(root), stdio: ['pipe', 'pipe', 'inherit'] });
  const out = [];
  child.stdout.on('data', (d) => out.push(d));
  child.stdin.write(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'eof', version: '1' } } }) + '\n');
  child.stdin.write(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) + '\n');
  child.stdin.end(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'run', arguments: { command: ['sh', '-c', 'sleep 1; echo finished'], snapshot_after: '0', name: 'eof-job' } } }) + '\n');
  const code = await new Promise((resolve) => child.on('close', resolve));
  assert.equal(code, 0);
  const answered = Buffer.concat(out).toString().split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((m) => m.id === 2);
  assert.ok(answered, 'the run was answered before the server ended');
  const { json } = await jobctl(['wait', '--name', 'eof-job', '--timeout', '30s'], { root });
  assert.equal(json.state, 'exited', JSON.stringify(json));
  assert.equal(json.stdout_tail, 'finished\n');
});

test('jobctl mcp with a bad --max-wait answers one JSON error and serves nothing', async (t) => {
  const dir = testDir(t);
  writeFileSync(join(dir, 'x'), '');
  const { json, code } = await jobctl(['mcp', '--max-wait', 'forever'], { root: join(dir, 'jobs') });
  assert.equal(code, 2);
  assert.equal(json.error.code, 'invalid_duration');
  const zero = await jobctl(['mcp', '--max-wait', '0s'], { root: join(dir, 'jobs') });
  assert.equal(zero.json.error.code, 'usage_error');
});
