// An agent job's prompt on the remote command's stdin: the generated SSH wrapper, container
// arguments and Slurm batch script, run by a real sh where they can be; any bytes survive and
// the prompt is never part of a command line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { runScript } from '../../dist/lib/executors/ssh/script.js';
import { runArgs, containerCommand, PROMPT_MOUNT } from '../../dist/lib/executors/container/args.js';
import { batchScript } from '../../dist/lib/executors/slurm/submit.js';
import { spoolStdin } from '../../dist/lib/executors/spool-prompt.js';
import { testDir } from '../helpers/jobctl.mjs';

/** Quotes, newlines, a command substitution, the here-document's delimiter, NUL and non-UTF-8 bytes, no final newline. */
function nastyPrompt(dir) {
  return Buffer.concat([
    Buffer.from(`it's "quoted" \`x\` \\ $HOME\n$(touch ${dir}/pwned)\nJOBCTL_PROMPT_END\nEOF\n'JOBCTL_PROMPT_END'\n`),
    Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x0d, 0x0a, 0xc3]),
    Buffer.from('\n'.repeat(3) + 'é'.repeat(200) + ' tail'),
  ]);
}

function sshJob(t, prompt, pathDirs) {
  const dir = join(testDir(t), 'job');
  mkdirSync(dir);
  const script = runScript({ argv: ['sh', '-c', 'cat; echo "|$#|$1" >&2', 'sh', 'arg'], env: {}, workdir: dir, timeoutMs: undefined, killAfterMs: 1000, stdin: prompt });
  writeFileSync(join(dir, 'run.sh'), script);
  // As launchLine starts it: under umask 077.
  const env = pathDirs ? { ...process.env, PATH: `${pathDirs}:${process.env.PATH}` } : process.env;
  execFileSync('sh', ['-c', 'umask 077; sh "$1"', 'sh', join(dir, 'run.sh')], { env });
  return { dir, script };
}

test('ssh: the prompt reaches the command\'s stdin byte for byte, in a 0600 file, never as shell text', (t) => {
  const base = testDir(t);
  const prompt = nastyPrompt(base);
  const { dir, script } = sshJob(t, prompt);
  assert.equal(readFileSync(join(dir, 'status'), 'utf8').trim(), '0', readFileSync(join(dir, 'stderr'), 'utf8'));
  assert.deepEqual(readFileSync(join(dir, 'stdout')), prompt);
  assert.equal(readFileSync(join(dir, 'stderr'), 'utf8'), '|1|arg\n');
  assert.equal(statSync(join(dir, 'prompt')).mode & 0o777, 0o600);
  assert.ok(!existsSync(join(base, 'pwned')), 'the prompt was run as shell text');
  // Only base64 of it is in the script: no line of the prompt appears there.
  assert.ok(!script.includes('quoted'));
  assert.ok(!script.includes('$(touch'));
  assert.ok(script.includes(`) < "$d/prompt" >>`));
});

test('ssh: busybox base64 decodes the wrapped lines; an empty prompt is an empty stdin', (t) => {
  const bin = join(testDir(t), 'bin');
  mkdirSync(bin);
  symlinkSync('/bin/busybox', join(bin, 'base64'));
  const prompt = Buffer.concat([nastyPrompt(bin), Buffer.alloc(5000, 0xff)]);
  const { dir } = sshJob(t, prompt, bin);
  assert.deepEqual(readFileSync(join(dir, 'stdout')), prompt);
  const empty = sshJob(t, Buffer.alloc(0));
  assert.equal(readFileSync(join(empty.dir, 'status'), 'utf8').trim(), '0');
  assert.equal(readFileSync(join(empty.dir, 'stdout')).length, 0);
});

test('ssh: a host without base64 records why; a job without a prompt keeps stdin from /dev/null', (t) => {
  const bin = join(testDir(t), 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'base64'), '#!/bin/sh\nexit 127\n');
  chmodSync(join(bin, 'base64'), 0o755);
  const { dir } = sshJob(t, Buffer.from('hello'), bin);
  assert.match(readFileSync(join(dir, 'status'), 'utf8'), /^error cannot decode the prompt on the host/);
  assert.equal(readFileSync(join(dir, 'stdout')).length, 0);

  const plain = runScript({ argv: ['cat'], env: {}, workdir: undefined, timeoutMs: undefined, killAfterMs: 1000 });
  assert.ok(plain.includes(') </dev/null >>'));
  assert.ok(!plain.includes('base64'));
});

test('container: the prompt is a read-only mount read by /bin/sh; the argv holds its path only', (t) => {
  const dir = testDir(t);
  const prompt = nastyPrompt(dir);
  const path = spoolStdin(dir, prompt);
  assert.equal(path, join(dir, 'spool', 'prompt'));
  assert.deepEqual(readFileSync(path), prompt);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, 'spool')).mode & 0o777, 0o700);
  // A copy replacing a laxer file is 0600 again.
  chmodSync(path, 0o644);
  spoolStdin(dir, prompt);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal(spoolStdin(dir, undefined), undefined);

  const def = { type: 'container', runtime: 'docker', image: 'img', volumes: [], env: {}, labels: [] };
  const meta = { job_id: 'abc', argv: ['claude', '-p', '--output-format', 'stream-json'] };
  const args = runArgs(def, meta, { cliEnv: {}, envFile: '' }, undefined, path);
  const v = args.indexOf('-v');
  assert.equal(args[v + 1], `${path}:${PROMPT_MOUNT}:ro`);
  assert.deepEqual(args.slice(args.indexOf('--')), ['--', 'img', '/bin/sh', '-c', `exec "$@" < ${PROMPT_MOUNT}`, 'sh', ...meta.argv]);
  assert.ok(!args.join(' ').includes('quoted'));
  assert.deepEqual(runArgs(def, meta, { cliEnv: {}, envFile: '' }, undefined).slice(-6), ['--', 'img', ...meta.argv]);
  assert.throws(() => runArgs(def, meta, { cliEnv: {}, envFile: '' }, undefined, '/a:b/prompt'), /contains ':'/);

  // The wrapper itself, with the mount point swapped for the copy: exact bytes, argv intact.
  const [sh, c, wrapper, ...rest] = containerCommand(['sh', '-c', 'cat; printf "|%s" "$@" >&2', 'x', 'a b', "it's"], path);
  assert.equal(sh, '/bin/sh');
  const out = execFileSync(sh, [c, wrapper.replace(PROMPT_MOUNT, path), ...rest], { stdio: ['ignore', 'pipe', 'pipe'] });
  assert.deepEqual(out, prompt);
});

test('slurm: the batch script redirects the spooled prompt to the command\'s stdin', (t) => {
  const dir = join(testDir(t), "it's dir");
  mkdirSync(dir);
  const prompt = nastyPrompt(dir);
  const path = spoolStdin(dir, prompt);
  const script = batchScript(['sh', '-c', 'cat; echo "|$1" >&2', 'sh', 'x y'], dir, path);
  assert.ok(!script.includes('quoted'));
  writeFileSync(join(dir, 'job.sh'), script);
  const out = execFileSync('sh', [join(dir, 'job.sh')], { stdio: ['ignore', 'pipe', 'pipe'] });
  assert.deepEqual(out, prompt);
  assert.ok(!existsSync(join(dir, 'pwned')));
  assert.ok(!batchScript(['cat'], dir).includes('<'));
});
