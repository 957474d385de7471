// Restart and standard input on an SSH host (a real sshd on loopback, test/helpers/sshd.mjs):
// a job's --stdin bytes reach the remote command exactly, and a finished remote job restarts in
// place — its earlier attempt removed from the host, the new one run there with the same stdin.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withRoot, supervisorGone, assertMatchesSchema } from '../helpers/jobctl.mjs';
import { startSshd, sshRun, sshExecutorToml } from '../helpers/sshd.mjs';

let sshd;
before(async (t) => {
  sshd = await startSshd(t);
});

function setup(t) {
  if (sshd === undefined) {
    t.skip('ssh missing (see the before hook)');
    return undefined;
  }
  const ctx = withRoot(t);
  const config = join(ctx.base, 'config.toml');
  writeFileSync(config, sshExecutorToml(sshd, 'crib'));
  return { ...ctx, run: (args, opts = {}) => ctx.run(args, { config, ...opts }) };
}

const INPUT = Buffer.concat([Buffer.from('line one\n\0nul\0\n'), Buffer.from([...Array(256).keys()]), Buffer.from("'quote' $HOME `x` EOF\n-----")]);

test('ssh: --stdin bytes reach the remote command exactly; restart runs the job again on the host with them', async (t) => {
  const s = setup(t);
  if (!s) return;
  // The remote command prints a checksum of its stdin and a run counter kept on the host.
  const script = 'sum=$(od -An -tx1 | tr -d " \\n" | md5sum | cut -c1-32); n=$(cat "$HOME/$COUNTER" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$HOME/$COUNTER"; echo "$sum run $n"';
  const counter = `restart-count-${process.pid}-${Date.now()}`;
  t.after(() => sshRun(sshd, `rm -f "$HOME/${counter}"`).catch(() => undefined));
  const { json } = await s.run(['run', '--executor', 'crib', '--env', `COUNTER=${counter}`, '--stdin', '--wait', '--', 'sh', '-c', script], { input: INPUT });
  assert.equal(json.state, 'exited', JSON.stringify(json));
  const local = (await import('node:crypto')).createHash('md5').update(INPUT.toString('hex')).digest('hex');
  assert.equal(json.stdout_tail, `${local} run 1\n`);
  const firstDir = (await s.run(['status', json.job_id])).json.remote.remote_dir;
  await supervisorGone(s.root, json.job_id);

  const again = (await s.run(['restart', json.job_id, '--wait'])).json;
  assertMatchesSchema('restart', again);
  assert.equal(again.state, 'exited');
  assert.equal(again.stdout_tail, `${local} run 2\n`, 'the restarted run did not run again with the same stdin');
  const status = (await s.run(['status', json.job_id])).json;
  assert.equal(status.attempt, 2);
  assert.equal(readFileSync(status.attempts[0].stdout_log_path, 'utf8'), `${local} run 1\n`);
  assert.equal(status.remote.remote_dir, firstDir, 'the job keeps its place on the host');
  assert.equal((await sshRun(sshd, `cat ${firstDir}/stdout`)).trim(), `${local} run 2`);
});

test('ssh: --stdin-file with an empty file gives the remote command an empty stdin', async (t) => {
  const s = setup(t);
  if (!s) return;
  const file = join(s.base, 'empty');
  writeFileSync(file, '');
  const { json } = await s.run(['run', '--executor', 'crib', '--stdin-file', file, '--wait', '--', 'sh', '-c', 'wc -c']);
  assert.equal(json.stdout_tail.trim(), '0');
});
