// Resource samples of remote jobs: the SSH /proc line run by real shells (mawk/gawk and busybox
// awk), the container process-tree reading, the sstat parser and the store's sample file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resourcesLine } from '../../dist/lib/executors/ssh/script.js';
import { parseResources } from '../../dist/lib/executors/ssh/target.js';
import { parseSstat, parseSlurmDuration, parseSlurmSize } from '../../dist/lib/executors/slurm/parse.js';
import { treeResources, inCgroupNamed } from '../../dist/lib/util/resources.js';
import { writeResources, readResources, clearResources } from '../../dist/lib/store/resources.js';
import { testDir, waitFor } from '../helpers/jobctl.mjs';

const startTimeOf = (pid) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
};

/** A process group burning CPU in one child; killed after the test. */
function burner(t) {
  const child = spawn('sh', ['-c', '(while :; do :; done) & exec sleep 300'], { detached: true, stdio: 'ignore' });
  t.after(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } });
  return child;
}

test('ssh: the resources line sums the job\'s process group on the host, in any awk', async (t) => {
  const cache = testDir(t);
  const d = join(cache, 'jobctl', 'jobs', 'abc1');
  mkdirSync(d, { recursive: true });
  const line = resourcesLine('abc1');
  assert.ok(!line.includes("'") && !line.includes('\\'), 'fits in sh -c \'...\'');
  const run = (path) => execFileSync('sh', ['-c', line], { env: { ...process.env, XDG_CACHE_HOME: cache, ...(path ? { PATH: path } : {}) }, encoding: 'utf8' });
  assert.equal(run(), '', 'no pid file: nothing');
  const child = burner(t);
  writeFileSync(join(d, 'pid'), `${child.pid} ${startTimeOf(child.pid)}\n`);
  const bb = join(cache, 'bb');
  mkdirSync(bb);
  for (const applet of ['awk', 'cat', 'cut', 'kill']) symlinkSync('/bin/busybox', join(bb, applet));
  for (const path of [undefined, `${bb}:/usr/bin:/bin`]) {
    const r = await waitFor(() => {
      const got = parseResources(run(path));
      return got && got.cpu_seconds > 0.2 ? got : undefined;
    }, { what: 'CPU time to show' });
    assert.ok(r.processes >= 2, JSON.stringify(r));
    assert.ok(r.rss_bytes > 100_000, JSON.stringify(r));
    assert.ok(r.cpu_percent > 10, JSON.stringify(r));
    assert.ok(r.uptime_ms > 0 && r.uptime_ms < 60_000, JSON.stringify(r));
  }
  // A recorded status means the job is over: no sample.
  writeFileSync(join(d, 'status'), '0\n');
  assert.equal(run(), '');
});

test('ssh: parsing the resources answer', () => {
  assert.deepEqual(parseResources('3 3928064 150 1.54\n'), { processes: 3, rss_bytes: 3928064, cpu_seconds: 1.5, cpu_percent: 97.4, uptime_ms: 1540 });
  assert.equal(parseResources(''), undefined);
  assert.equal(parseResources('0 0 0 1'), undefined);
  assert.equal(parseResources('login banner\n'), undefined);
  assert.equal(parseResources('3000000000.00 1 2 3').processes, 3000000000);
});

test('containers: a process tree is summed from its root; cgroup names are checked', async (t) => {
  const child = burner(t);
  const r = await waitFor(() => {
    const got = treeResources(child.pid);
    return got && got.cpu_seconds > 0.2 ? got : undefined;
  }, { what: 'CPU time to show' });
  assert.equal(r.processes, 2);
  assert.ok(r.cpu_percent > 10 && r.rss_bytes > 0);
  assert.equal(treeResources(2 ** 30), undefined);
  assert.equal(inCgroupNamed(child.pid, 'f'.repeat(64)), false);
  assert.equal(inCgroupNamed(2 ** 30, 'f'.repeat(64)), false);
});

test('slurm: sstat output', () => {
  assert.equal(parseSlurmDuration('00:00:02'), 2);
  assert.equal(parseSlurmDuration('01:02.500'), 62.5);
  assert.equal(parseSlurmDuration('1-02:03:04'), 93784);
  assert.equal(parseSlurmDuration(''), undefined);
  assert.equal(parseSlurmSize('3112K'), 3112 * 1024);
  assert.equal(parseSlurmSize('1.5M'), 1.5 * 2 ** 20);
  assert.equal(parseSlurmSize('512'), 512);
  const out = '1|cpu=00:00:02,energy=0,fs/disk=8127,mem=3112K,pages=0,vmem=5184K\n2|cpu=00:01:00,mem=1M\n';
  assert.deepEqual(parseSstat(out), { tasks: 3, cpuSeconds: 62, rssBytes: 3112 * 1024 + 2 ** 20 });
  assert.equal(parseSstat(''), undefined);
  assert.equal(parseSstat('1|\n'), undefined, 'no accounting gatherer: no figures');
});

test('store: a sample is written atomically (0600), read back and removed', (t) => {
  const dir = testDir(t);
  assert.equal(readResources(dir), undefined);
  const sample = { processes: 1, rss_bytes: 2, cpu_seconds: 0.5, cpu_percent: 50, uptime_ms: 1000, sampled_at: '2026-01-01T00:00:00.000Z', source: 'ssh' };
  writeResources(dir, sample);
  assert.deepEqual(readResources(dir), sample);
  assert.equal(statSync(join(dir, 'resources.json')).mode & 0o777, 0o600);
  clearResources(dir);
  clearResources(dir);
  assert.equal(readResources(dir), undefined);
});
