// The pure parts of the library and the MCP server: option names per surface, the wait bound,
// argument type checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callOptions, camelCase, toCallInput } from '../../../dist/lib/library/call-options.js';
import { boundCall, clampedFields } from '../../../dist/lib/mcp/bounded-wait.js';
import { checkArguments } from '../../../dist/lib/mcp/arguments.js';
import { snakeCase, tools } from '../../../dist/lib/mcp/tools.js';
import { commands } from '../../../dist/lib/commands/index.js';

const def = (type) => commands.find((c) => c.type === type);
const tool = (name) => tools.find((t) => t.name === name);

test('call options: the command\'s flags and positionals, without the streaming forms and --task-id', () => {
  const names = (type, naming) => callOptions(def(type)).map(naming);
  assert.ok(names('wait', camelCase).includes('id'));
  assert.ok(names('wait', camelCase).includes('tailLines'));
  assert.ok(!names('wait', camelCase).includes('taskId'));
  assert.ok(!names('list', camelCase).includes('jsonl'));
  assert.ok(!names('logs', camelCase).includes('follow'));
  assert.deepEqual(names('tag_set', snakeCase).sort(), ['job_id', 'name', 'tags']);
  assert.ok(callOptions(def('run')).find((o) => o.flag === 'tag').repeatable);
  assert.ok(!callOptions(def('run')).find((o) => o.flag === 'timeout').repeatable);
});

test('toCallInput maps names to flags, takes command/root/config apart, names the nearest unknown', () => {
  const input = toCallInput(def('run'), { command: 'make test', snapshotAfter: '5s', tag: ['a'], root: '/r', config: undefined }, camelCase);
  assert.deepEqual(input, { args: { 'snapshot-after': '5s', tag: ['a'] }, commandWords: ['make test'], commandIsArgv: false, root: '/r', config: undefined });
  assert.deepEqual(toCallInput(def('run'), { command: ['ls', '-l'] }, camelCase).commandWords, ['ls', '-l']);
  // An array is an argv, one word included; a string is a shell command line.
  assert.equal(toCallInput(def('run'), { command: ['make'] }, camelCase).commandIsArgv, true);
  assert.throws(() => toCallInput(def('run'), { snapshotAfterr: '1s' }, camelCase), { code: 'usage_error', message: /did you mean snapshotAfter/ });
  assert.throws(() => toCallInput(def('status'), { command: 'x' }, camelCase), { code: 'usage_error', message: /unknown option command/ });
  assert.throws(() => toCallInput(def('run'), { command: [] }, camelCase), { code: 'usage_error' });
  assert.throws(() => toCallInput(def('run'), { root: 5 }, camelCase), { code: 'usage_error' });
  assert.throws(() => toCallInput(def('run'), [], camelCase), { code: 'usage_error' });
});

test('boundCall: waits longer than the bound are cut, shorter ones pass unchanged', () => {
  assert.deepEqual(boundCall('wait', { job_id: 'x', timeout: '10s' }, 50_000), { args: { job_id: 'x', timeout: '10s' }, clampedTo: undefined, blocksFor: 10_000 });
  assert.deepEqual(boundCall('wait', { job_id: 'x' }, 50_000), { args: { job_id: 'x', timeout: '50000ms' }, clampedTo: 50_000, blocksFor: 50_000 });
  assert.deepEqual(boundCall('wait', { timeout: '2h' }, 1000).args, { timeout: '1000ms' });
  assert.deepEqual(boundCall('run', { command: 'x', wait: true }, 1000), { args: { command: 'x', snapshot_after: '1000ms' }, clampedTo: 1000, blocksFor: 1000 });
  assert.equal(boundCall('run', { command: 'x' }, 50_000).clampedTo, undefined, 'the default 10s snapshot is within the default bound');
  assert.equal(boundCall('run', { command: 'x' }, 5000).clampedTo, 5000, 'but not within a 5s bound');
  assert.throws(() => boundCall('wait', { timeout: 'soon' }, 1000), { code: 'invalid_duration' });
  assert.throws(() => boundCall('kill', { grace: '2m' }, 50_000), { code: 'usage_error' });
  assert.equal(boundCall('kill', {}, 50_000).blocksFor, 5000);
  assert.equal(boundCall('status', { job_id: 'x' }, 1).clampedTo, undefined);
});

test('clampedFields says the bound, and for run whether the job outlived it', () => {
  assert.deepEqual(clampedFields({ type: 'wait', state: 'running', wait_timed_out: true }, 1000), { type: 'wait', state: 'running', wait_timed_out: true, wait_clamped_to_ms: 1000 });
  assert.deepEqual(clampedFields({ type: 'run', state: 'running' }, 1000), { type: 'run', state: 'running', wait_clamped_to_ms: 1000, wait_timed_out: true });
  assert.deepEqual(clampedFields({ type: 'run', state: 'exited' }, 1000), { type: 'run', state: 'exited', wait_clamped_to_ms: 1000, wait_timed_out: false });
  const unchanged = { type: 'wait', state: 'exited' };
  assert.equal(clampedFields(unchanged, undefined), unchanged);
});

test('checkArguments: the announced types, the server\'s root, the size cap', () => {
  assert.deepEqual(checkArguments(tool('wait'), undefined), {});
  assert.deepEqual(checkArguments(tool('wait'), { job_id: 'x', timeout: 5000 }), { job_id: 'x', timeout: 5000 });
  assert.throws(() => checkArguments(tool('wait'), { timeout: true }), { code: 'usage_error', message: /timeout must be a string/ });
  assert.throws(() => checkArguments(tool('wait'), { timeout: Infinity }), { code: 'usage_error' });
  assert.throws(() => checkArguments(tool('run'), { wait: 'yes' }), { message: /wait must be true or false/ });
  assert.throws(() => checkArguments(tool('run'), { tags: [1] }), { message: /tags must be a string or an array/ });
  assert.throws(() => checkArguments(tool('run'), { command: { x: 1 } }), { message: /command must be/ });
  assert.throws(() => checkArguments(tool('status'), { root: '/' }), { message: /server's/ });
  assert.throws(() => checkArguments(tool('status'), []), { message: /must be an object/ });
  assert.throws(() => checkArguments(tool('status'), { job_id: 'x'.repeat(1024 * 1024 + 1) }), { message: /larger than/ });
  assert.deepEqual(checkArguments(tool('status'), { bogus: 1 }), { bogus: 1 }, 'unknown names are the command\'s to name');
});

test('tool schemas: snake_case, the id as job_id, tags as a string or list, command on run only', () => {
  assert.deepEqual(tools.map((t) => t.name), ['run', 'status', 'tail', 'wait', 'kill', 'list', 'restart', 'logs']);
  const run = tool('run').inputSchema.properties;
  assert.ok(run.command.anyOf);
  assert.ok(run.tags.anyOf);
  assert.equal(run.wait.type, 'boolean');
  assert.equal(run.snapshot_after.type, 'string');
  assert.equal(tool('status').inputSchema.properties.job_id.type, 'string');
  assert.ok(!('command' in tool('status').inputSchema.properties));
  assert.ok(!('task_id' in tool('status').inputSchema.properties));
});
