import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withRoot } from '../helpers/jobctl.mjs';

// [args, expected code, expected exit]
const cases = [
  [[], 'usage_error', 2],
  [['frobnicate'], 'usage_error', 2],
  [['status', '--bogus', 'x'], 'usage_error', 2],
  [['run', '--no-such-flag', '--', 'true'], 'usage_error', 2],
  [['run'], 'usage_error', 2],
  [['run', '--'], 'usage_error', 2],
  [['run', ''], 'usage_error', 2],
  [['run', '--cmd', 'true', '--', 'echo'], 'usage_error', 2],
  [['status'], 'usage_error', 2],
  [['status', ''], 'usage_error', 2],
  [['tail'], 'usage_error', 2],
  [['wait'], 'usage_error', 2],
  [['kill'], 'usage_error', 2],
  [['start'], 'usage_error', 2],
  [['delete'], 'usage_error', 2],
  [['tag', 'set'], 'usage_error', 2],
  [['tag'], 'usage_error', 2],
  [['notify'], 'usage_error', 2],
  [['status', '../etc'], 'job_not_found', 1],
  [['status', '../../etc'], 'job_not_found', 1],
  [['status', '/etc/passwd'], 'job_not_found', 1],
  [['status', '..'], 'job_not_found', 1],
  [['delete', '../etc'], 'job_not_found', 1],
  [['tag', 'set', '../etc', '--tag', 'x'], 'job_not_found', 1],
  [['tail', 'abc/def'], 'job_not_found', 1],
  [['kill', '../etc'], 'job_not_found', 1],
  [['status', 'ABCDEF'], 'job_not_found', 1],
  [['status', 'zzzzzzzzzzzzzzzzzzzz'], 'job_not_found', 1],
  [['run', '--timeout', '5 minutes', '--', 'true'], 'invalid_duration', 2],
  [['run', '--timeout', '-5s', '--', 'true'], 'invalid_duration', 2],
  [['run', '--timeout', '1.5s', '--', 'true'], 'invalid_duration', 2],
  [['run', '--timeout', '', '--', 'true'], 'invalid_duration', 2],
  [['run', '--kill-after', 'soon', '--', 'true'], 'invalid_duration', 2],
  [['run', '--snapshot-after', '10x', '--', 'true'], 'invalid_duration', 2],
  [['wait', '--timeout', 'abc', 'x'], 'invalid_duration', 2],
  [['gc', '--older-than', '30 days'], 'invalid_duration', 2],
  [['run', '--tag', 'bad tag', '--', 'true'], 'invalid_tag', 2],
  [['run', '--tag', '', '--', 'true'], 'invalid_tag', 2],
  [['list', '--tag', 'a..*'], 'invalid_tag', 2],
  [['run', '--output-pattern', '(a)\\1', '--output-match-type', 'regex', '--', 'true'], 'invalid_pattern', 2],
  [['run', '--output-pattern', '(?=x)', '--output-match-type', 'regex', '--', 'true'], 'invalid_pattern', 2],
  [['run', '--output-pattern', '[', '--output-match-type', 'regex', '--', 'true'], 'invalid_pattern', 2],
  [['run', '--output-pattern', 'x', '--output-match-type', 'glob', '--', 'true'], 'usage_error', 2],
  [['run', '--output-pattern', 'x', '--output-stream', 'stdin', '--', 'true'], 'usage_error', 2],
  [['run', '--output-file', '/tmp/x', '--', 'true'], 'usage_error', 2],
  [['run', '--cwd', '/no/such/dir', '--', 'true'], 'usage_error', 2],
  [['run', '--cwd', '/etc/passwd', '--', 'true'], 'usage_error', 2],
  [['run', '--env-file', '/no/such/file', '--', 'true'], 'usage_error', 2],
  [['run', '--env', '1BAD=x', '--', 'true'], 'usage_error', 2],
  [['run', '--env', 'SURELY_NOT_SET_ANYWHERE_42', '--', 'true'], 'usage_error', 2],
  [['run', '--mask', 'bad key', '--', 'true'], 'usage_error', 2],
  [['run', '--tail-lines', '-5', '--', 'true'], 'usage_error', 2],
  [['run', '--tail-lines', 'many', '--', 'true'], 'usage_error', 2],
  [['run', '--max-bytes', '1e99', '--', 'true'], 'usage_error', 2],
  [['run', '--timeout', '5s', '--timeout', '6s', '--', 'true'], 'usage_error', 2],
  [['run', '--wait=maybe', '--', 'true'], 'usage_error', 2],
  [['run', '--shell-wrapper', '   ', 'true'], 'usage_error', 2],
  [['list', '--limit', '-1'], 'usage_error', 2],
  [['list', '--all', '--cwd', '/tmp'], 'usage_error', 2],
  [['kill', '--signal', 'SIGNOPE', 'x'], 'invalid_signal', 2],
  [['kill', '--signal', '999', 'x'], 'invalid_signal', 2],
  [['kill', '--grace', 'later', 'x'], 'invalid_duration', 2],
  [['status', 'a'.repeat(100 * 1024)], 'job_not_found', 1],
  [['run', '--name', 'x'.repeat(100 * 1024), '--tag', 'y'.repeat(100 * 1024), '--', 'true'], 'invalid_tag', 2],
  [['run', '--env', 'A=\u0000', '--', 'true'], 'usage_error', 2],
  [['status', 'abc\u00ff\u00fe'], 'job_not_found', 1],
  [['config', 'frob'], 'usage_error', 2],
  [['--root', '', 'list'], 'usage_error', 2],
];

test(`${cases.length} malformed invocations each print one JSON error and touch nothing outside the root`, async (t) => {
  const { run, root, base } = withRoot(t);
  mkdirSync(root, { recursive: true });
  // A decoy next to the root that an escaping id would reach.
  const decoy = join(base, 'etc');
  mkdirSync(decoy);
  writeFileSync(join(decoy, 'keep'), 'x');
  assert.ok(cases.length >= 50);
  for (const [args, code, exit] of cases) {
    const shown = JSON.stringify(args).slice(0, 120);
    let res;
    try {
      res = await run(args);
    } catch (err) {
      // NUL bytes cannot even be passed through exec(2); the OS refuses before jobctl runs.
      if (args.some((a) => a.includes('\u0000')) && /null bytes/.test(String(err))) continue;
      throw err;
    }
    assert.equal(res.json.ok, false, `${shown} must fail`);
    assert.equal(res.json.error.code, code, `${shown}: ${res.stdout}`);
    assert.equal(res.code, exit, `${shown} exit code`);
    assert.doesNotMatch(res.stdout + res.stderr, /at .*\.js:\d+:\d+/, `${shown} leaks a stack trace`);
  }
  assert.deepEqual(readdirSync(decoy), ['keep']);
  assert.deepEqual(readdirSync(root), [], 'no job was created by bad input');
  assert.ok(existsSync(join(decoy, 'keep')));
});

test('--help prints text and exits 0; a non-UTF-8 argument is handled', async (t) => {
  const { run } = withRoot(t);
  const help = await run(['--help'], { raw: true });
  assert.equal(help.code, 0);
  assert.match(help.stdout, /jobctl run/);
  const sub = await run(['run', '--help'], { raw: true });
  assert.match(sub.stdout, /--snapshot-after/);
  const weird = await run(['status', Buffer.from([0x61, 0xff, 0xfe]).toString('latin1')]);
  assert.equal(weird.json.error.code, 'job_not_found');
});
