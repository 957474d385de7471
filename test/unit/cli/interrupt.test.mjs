import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InterruptHandling, interruptExitCode } from '../../../dist/lib/cli/interrupt.js';

/** Records what InterruptHandling prints, how it exits and which handlers it holds. */
function fakeIo({ answered = false } = {}) {
  const io = {
    printed: [],
    errors: [],
    exits: [],
    listeners: new Map(),
    answeredFlag: answered,
    answered: () => io.answeredFlag,
    print: (type, data) => { io.printed.push({ type, data }); io.answeredFlag = true; },
    printError: (err) => { io.errors.push(err); io.answeredFlag = true; },
    exit: (code) => io.exits.push(code),
    listen: (signal, handler) => io.listeners.set(signal, handler),
    unlisten: (signal, handler) => { if (io.listeners.get(signal) === handler) io.listeners.delete(signal); },
  };
  return io;
}

test('exit codes are 128 + the signal number', () => {
  assert.equal(interruptExitCode('SIGINT'), 130);
  assert.equal(interruptExitCode('SIGTERM'), 143);
  assert.equal(interruptExitCode('SIGHUP'), 129);
});

test('a signal is answered once, with the state at that moment and interrupted:true', () => {
  const io = fakeIo();
  const hooks = new InterruptHandling('wait', io);
  assert.equal(io.listeners.size, 0, 'no handler before a command asks for one');
  let state = 'queued';
  hooks.answerWith(() => ({ job_id: 'x', state }));
  assert.deepEqual([...io.listeners.keys()].sort(), ['SIGHUP', 'SIGINT', 'SIGTERM']);
  state = 'running';
  io.listeners.get('SIGTERM')();
  io.listeners.get('SIGINT')();
  assert.deepEqual(io.printed, [{ type: 'wait', data: { job_id: 'x', state: 'running', interrupted: true } }]);
  assert.deepEqual(io.exits, [143]);
  hooks.uninstall();
  assert.equal(io.listeners.size, 0);
});

test('a signal after the call printed its answer prints nothing and does not change the exit', () => {
  const io = fakeIo({ answered: true });
  const hooks = new InterruptHandling('run', io);
  hooks.answerWith(() => ({ job_id: 'x' }));
  hooks.receive('SIGINT');
  assert.deepEqual(io.printed, []);
  assert.deepEqual(io.exits, []);
});

test('a signal during a shielded step is answered once the step has finished', async () => {
  const io = fakeIo();
  const hooks = new InterruptHandling('run', io);
  hooks.answerWith(() => ({ job_id: 'x', state: 'queued' }));
  let release;
  const step = hooks.shield(() => new Promise((resolve) => { release = resolve; }));
  hooks.receive('SIGHUP');
  assert.deepEqual(io.printed, [], 'not answered while the step runs');
  release('launched');
  assert.equal(await step, 'launched');
  assert.deepEqual(io.printed, [{ type: 'run', data: { job_id: 'x', state: 'queued', interrupted: true } }]);
  assert.deepEqual(io.exits, [129]);
});

test('a signal before anything can be reported waits for the answer; a stream answers with its own end type', async () => {
  const io = fakeIo();
  const hooks = new InterruptHandling('logs', io);
  await hooks.shield(async () => hooks.receive('SIGINT'));
  assert.deepEqual(io.printed, [], 'nothing to report yet');
  assert.deepEqual(io.exits, []);
  hooks.answerWith(() => ({ job_id: 'x', state: 'running' }), 'logs_end');
  assert.deepEqual(io.printed, [{ type: 'logs_end', data: { job_id: 'x', state: 'running', interrupted: true } }]);
  assert.deepEqual(io.exits, [130]);
});

test('an answer that cannot be read becomes the error object, still exiting 128 + signal', () => {
  const io = fakeIo();
  const hooks = new InterruptHandling('wait', io);
  hooks.answerWith(() => { throw Object.assign(new Error('state.json: no such file'), { code: 'ENOENT' }); });
  hooks.receive('SIGTERM');
  assert.equal(io.printed.length, 0);
  assert.equal(io.errors.length, 1);
  assert.equal(io.errors[0].code, 'io_error');
  assert.deepEqual(io.exits, [143]);
});
