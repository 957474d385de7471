// The pure parts of the Slurm target: what Slurm prints, how an ended job maps to an outcome,
// and what is submitted (batch script, sbatch arguments, environment).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  parseSbatchId, parseJobIds, parseSqueue, parseScontrolJob, parseSacct, parseExitCode, endedPhase, stateWord,
  isPendingState, isRunningState, isEndedState, isTransientError, isUnknownJob, isAlreadyDone,
} from '../../dist/lib/executors/slurm/parse.js';
import { batchScript, sbatchArgs, commandEnv, slurmWorkdir, shQuote } from '../../dist/lib/executors/slurm/submit.js';
import { complaint } from '../../dist/lib/executors/slurm/command.js';
import { copyOutput } from '../../dist/lib/executors/slurm/spool.js';
import { testDir } from '../helpers/jobctl.mjs';

test('sbatch --parsable, squeue and sacct job id lists', () => {
  assert.equal(parseSbatchId('42\n'), '42');
  assert.equal(parseSbatchId('42;cluster1\n'), '42');
  assert.equal(parseSbatchId('sbatch: warning: something\n43\n'), '43');
  assert.equal(parseSbatchId(''), undefined);
  assert.equal(parseSbatchId('Submitted batch job 44'), undefined);
  assert.deepEqual(parseJobIds('7\n12\n'), ['7', '12']);
  assert.deepEqual(parseJobIds('5|jobctl-a\n\n'), ['5']);
  assert.deepEqual(parseJobIds(''), []);
});

test('squeue %T|%S: state, and a start time never before the submission', () => {
  const now = Date.parse('2026-01-02T12:00:00Z');
  assert.deepEqual(parseSqueue('PENDING|N/A\n', 0, now), { state: 'PENDING' });
  const running = parseSqueue('RUNNING|2026-01-02T11:59:58\n', 0, now + 86_400_000);
  assert.equal(running.state, 'RUNNING');
  assert.equal(running.startedAt, new Date(2026, 0, 2, 11, 59, 58).toISOString(), 'local time, as Slurm prints it');
  const submitted = new Date(2026, 0, 2, 11, 59, 58, 600).getTime();
  assert.equal(parseSqueue('RUNNING|2026-01-02T11:59:58', submitted, submitted + 1000).startedAt, new Date(submitted).toISOString());
  assert.deepEqual(parseSqueue('RUNNING|2099-01-01T00:00:00', 0, now), { state: 'RUNNING' }, 'a start in the future is ignored');
  assert.equal(parseSqueue('', 0, now), undefined);
  assert.equal(parseSqueue('CANCELLED|2026-01-02T11:00:00').state, 'CANCELLED');
});

test('scontrol show job -o and sacct (-c) records', () => {
  const line = 'JobId=1 JobName=jobctl-x UserId=root(0) JobState=FAILED Reason=NonZeroExitCode Dependency=(null) ExitCode=3:0 RunTime=00:00:00';
  assert.deepEqual(parseScontrolJob(line), { state: 'FAILED', exit: { code: 3, signal: 0 } });
  assert.deepEqual(parseScontrolJob('JobId=2 JobState=CANCELLED DerivedExitCode=0:0 ExitCode=0:15'), { state: 'CANCELLED', exit: { code: 0, signal: 15 } });
  assert.equal(parseScontrolJob('slurm_load_jobs error: Invalid job id specified'), undefined);
  assert.deepEqual(parseSacct('CANCELLED by 0|0:15\n'), { state: 'CANCELLED', exit: { code: 0, signal: 15 } });
  assert.deepEqual(parseSacct('TIMEOUT|0:0\n'), { state: 'TIMEOUT', exit: { code: 0, signal: 0 } });
  assert.deepEqual(parseSacct('OUT_OF_MEMORY|0:125'), { state: 'OUT_OF_MEMORY', exit: { code: 0, signal: 125 } });
  assert.deepEqual(parseSacct('RUNNING|0:0\nCOMPLETED|0:0\n'), { state: 'COMPLETED', exit: { code: 0, signal: 0 } }, 'the last record wins');
  assert.equal(parseSacct(''), undefined);
  assert.equal(parseExitCode('x'), undefined);
  assert.equal(stateWord('cancelled by 1000'), 'CANCELLED');
});

test('state classes', () => {
  for (const s of ['PENDING', 'CONFIGURING', 'REQUEUED', 'REQUEUE_HOLD']) assert.ok(isPendingState(s) && !isEndedState(s), s);
  for (const s of ['RUNNING', 'COMPLETING', 'SUSPENDED', 'STAGE_OUT']) assert.ok(isRunningState(s) && !isEndedState(s), s);
  for (const s of ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'OUT_OF_MEMORY', 'NODE_FAIL', 'BOOT_FAIL', 'DEADLINE', 'PREEMPTED', 'WHATEVER']) assert.ok(isEndedState(s), s);
  assert.equal(isEndedState(''), false);
});

test('how an ended Slurm job becomes an outcome', () => {
  const end = (state, exit, sent) => endedPhase('9', { state, ...(exit ? { exit } : {}) }, sent);
  assert.deepEqual(end('COMPLETED', { code: 0, signal: 0 }), { phase: 'ended', code: 0 });
  assert.deepEqual(end('COMPLETED'), { phase: 'ended', code: 0 });
  assert.deepEqual(end('FAILED', { code: 3, signal: 0 }), { phase: 'ended', code: 3 });
  assert.deepEqual(end('FAILED', { code: 0, signal: 15 }), { phase: 'ended', signal: 'SIGTERM' });
  assert.deepEqual(end('FAILED', { code: 0, signal: 9 }), { phase: 'ended', signal: 'SIGKILL' });
  assert.equal(end('FAILED', { code: 0, signal: 0 }).error.code, 'executor_failed', 'FAILED with nothing failing is not a success');
  assert.deepEqual(end('CANCELLED', { code: 0, signal: 0 }), { phase: 'ended', signal: 'SIGTERM' });
  assert.deepEqual(end('CANCELLED', { code: 0, signal: 15 }, 'SIGKILL'), { phase: 'ended', signal: 'SIGKILL' });
  assert.deepEqual(end('CANCELLED', undefined, 'SIGINT'), { phase: 'ended', signal: 'SIGINT' });
  assert.deepEqual(end('TIMEOUT', { code: 0, signal: 0 }), { phase: 'ended', timedOut: true, signal: 'SIGTERM' });
  assert.deepEqual(end('TIMEOUT', { code: 0, signal: 9 }), { phase: 'ended', timedOut: true, signal: 'SIGKILL' });
  const oom = end('OUT_OF_MEMORY', { code: 0, signal: 125 });
  assert.equal(oom.error.code, 'oom_killed');
  assert.equal(oom.code, undefined);
  for (const s of ['NODE_FAIL', 'BOOT_FAIL', 'DEADLINE', 'PREEMPTED']) {
    const e = end(s, { code: 0, signal: 0 });
    assert.equal(e.error.code, 'executor_failed');
    assert.match(e.error.message, new RegExp(`job 9: ${s}`));
  }
});

test('errors: unreachable controller is transient, refusals are not', () => {
  assert.ok(isTransientError('sbatch: error: Batch job submission failed: Unable to contact slurm controller (connect failure)'));
  assert.ok(isTransientError('slurm_load_jobs error: Socket timed out on send/recv operation'));
  assert.ok(isTransientError('scancel: error: Kill job error on job id 3: Job can not be altered now, try again later'));
  assert.ok(!isTransientError('sbatch: error: Batch job submission failed: Invalid partition name specified'));
  assert.ok(!isTransientError("sbatch: unrecognized option '--bogus'"));
  assert.ok(!isTransientError('sbatch: error: Invalid --time specification'));
  assert.ok(!isTransientError('Slurm accounting storage is disabled'));
  assert.ok(isUnknownJob('slurm_load_jobs error: Invalid job id specified'));
  assert.ok(isAlreadyDone('scancel: error: Kill job error on job id 1: Job/step already completing or completed'));
  assert.equal(complaint('sbatch: error: invalid partition specified: x\nsbatch: error: Batch job submission failed: Invalid partition name specified\n', '-'),
    'invalid partition specified: x; Batch job submission failed: Invalid partition name specified');
  assert.equal(complaint('', 'no message'), 'no message');
});

test('the batch script runs the argv word for word in the working directory', (t) => {
  const dir = testDir(t);
  const work = join(dir, "it's a dir");
  mkdirSync(work);
  const argv = ['sh', '-c', 'pwd; for a in "$@"; do printf "[%s]\\n" "$a"; done', 'sh', "a'b", 'c  d', '$HOME', '`id`', 'line\nbreak', ''];
  const script = join(dir, 'job.sh');
  writeFileSync(script, batchScript(argv, work));
  const out = execFileSync('sh', [script], { encoding: 'utf8', cwd: '/' });
  assert.equal(out, `${work}\n[a'b]\n[c  d]\n[$HOME]\n[\`id\`]\n[line\nbreak]\n[]\n`);
  writeFileSync(script, batchScript(['true'], join(dir, 'missing')));
  assert.throws(() => execFileSync('sh', [script], { stdio: 'pipe' }), (err) => err.status === 1, 'a missing directory fails the job');
  assert.equal(shQuote("x'y"), "'x'\\''y'");
});

test('sbatch arguments: limits, executor args, then what jobctl relies on; the command never', () => {
  const def = { type: 'slurm', partition: 'debug', sbatch_args: ['--begin=now+1hour', '--output=/elsewhere'], labels: [], env: {} };
  const meta = { job_id: 'abc', argv: ['sh', '-c', 'echo secret-command'], cwd: '/caller', timeout_ms: 61_000, memory_limit_bytes: 100 * 1024 * 1024 + 1, cpu_limit: 1.5 };
  const files = { script: '/j/spool/job.sh', stdout: '/j/spool/stdout', stderr: '/j/spool/stderr' };
  const args = sbatchArgs(def, meta, '/work', files);
  assert.deepEqual(args, [
    '--partition', 'debug', '--time', '2', '--mem', '101M', '--cpus-per-task', '2', '--no-requeue', '--begin=now+1hour', '--output=/elsewhere',
    '--parsable', '--job-name', 'jobctl-abc', '--output', '/j/spool/stdout', '--error', '/j/spool/stderr', '--chdir', '/work', '--export=ALL', '/j/spool/job.sh',
  ]);
  assert.ok(!args.join(' ').includes('secret-command'));
  const bare = sbatchArgs({ ...def, partition: undefined, sbatch_args: [] }, { job_id: 'x', argv: ['true'], cwd: '/c', timeout_ms: 1000 }, '/c', files);
  assert.deepEqual(bare.slice(0, 3), ['--time', '1', '--no-requeue']);
});

test('working directory and the environment of Slurm commands', () => {
  const def = { type: 'slurm', sbatch_args: [], labels: [], env: {} };
  assert.equal(slurmWorkdir(def, { cwd: '/caller' }, '/home/u'), '/caller');
  assert.equal(slurmWorkdir({ ...def, workdir: '~/proj' }, { cwd: '/caller' }, '/home/u'), '/home/u/proj');
  assert.equal(slurmWorkdir(def, { cwd: '/caller', workdir: '~' }, '/home/u'), '/home/u');
  assert.equal(slurmWorkdir(def, { cwd: '/caller', workdir: '/abs' }, '/home/u'), '/abs');
  const sup = { PATH: '/bin', HOME: '/root', SECRET_OF_SUPERVISOR: 'x', SLURM_CONF: '/etc/slurm.conf', SLURM_JOB_ID: '5' };
  assert.deepEqual(commandEnv(sup, def), { PATH: '/bin', HOME: '/root', SLURM_CONF: '/etc/slurm.conf' });
  assert.deepEqual(commandEnv(sup, def, { TOKEN: 't', HOME: '/h', SLURM_CONF: '/other' }), { PATH: '/bin', HOME: '/h', TOKEN: 't', SLURM_CONF: '/etc/slurm.conf' });
  assert.equal(commandEnv(sup, { ...def, env: { SLURM_CONF: '/exec.conf' } }).SLURM_CONF, '/exec.conf');
  assert.equal(commandEnv({ PATH: '/bin' }, def, { SLURM_CONF: '/job' }).SLURM_CONF, undefined);
});

test('output is copied from the local logs\' sizes on, and not past the cap', (t) => {
  const spool = testDir(t);
  const logs = { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };
  const sink = { size: (s) => logs[s].length, append: (s, b) => { logs[s] = Buffer.concat([logs[s], b]); } };
  copyOutput(spool, sink, Number.MAX_SAFE_INTEGER);
  assert.equal(logs.stdout.length, 0, 'no files yet');
  writeFileSync(join(spool, 'stdout'), 'abc');
  copyOutput(spool, sink, Number.MAX_SAFE_INTEGER);
  writeFileSync(join(spool, 'stdout'), 'abcdef');
  writeFileSync(join(spool, 'stderr'), 'e');
  copyOutput(spool, sink, Number.MAX_SAFE_INTEGER);
  copyOutput(spool, sink, Number.MAX_SAFE_INTEGER);
  assert.equal(logs.stdout.toString(), 'abcdef');
  assert.equal(logs.stderr.toString(), 'e');
  const big = Buffer.alloc(3 * 1024 * 1024 + 5, 'x');
  writeFileSync(join(spool, 'stdout'), big);
  logs.stdout = Buffer.alloc(0);
  copyOutput(spool, sink, Number.MAX_SAFE_INTEGER);
  assert.ok(logs.stdout.equals(big), 'several chunks');
  logs.stdout = Buffer.alloc(0);
  copyOutput(spool, sink, 1001);
  assert.equal(logs.stdout.length, 1001);
});
