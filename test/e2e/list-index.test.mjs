import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { withRoot } from '../helpers/jobctl.mjs';

const age = (dir) => { const t = new Date(Date.now() - 60_000); utimesSync(dir, t, t); };

test('the list index is a cache: job directories stay the truth', async (t) => {
  const { run, root, base } = withRoot(t);
  const a = (await run(['create', '--tag', 'one', '--', 'true'])).json.job_id;
  const b = (await run(['create', '--', 'true'])).json.job_id;
  [a, b].forEach((id) => age(join(root, id)));
  const ids = async () => (await run(['list', '--all'])).json.jobs.map((j) => j.job_id).sort();
  assert.deepEqual(await ids(), [a, b].sort());
  const index = join(root, '.list-index');
  const indexedIds = () => readFileSync(index, 'utf8').split('\n').slice(1).filter(Boolean).map((line) => line.split('\t')[0]).sort();
  assert.ok(existsSync(index), 'settled jobs are cached');
  assert.equal(readFileSync(index, 'utf8').split('\n')[0], 'jobctl-list-index 4');
  assert.deepEqual(indexedIds(), [a, b].sort());

  // A change to a cached job is seen at once (its directory mtime moved).
  await run(['tag', 'set', a, '--tag', 'two']);
  assert.deepEqual((await run(['list', '--all', '--tag', 'two'])).json.jobs.map((j) => j.job_id), [a]);

  // A directory the index does not know (restored from a backup) appears; a removed one disappears.
  const otherRoot = join(base, 'backup');
  const c = (await run(['create', '--', 'true'], { root: otherRoot })).json.job_id;
  cpSync(join(otherRoot, c), join(root, c), { recursive: true });
  age(join(root, c));
  rmSync(join(root, b), { recursive: true });
  assert.deepEqual(await ids(), [a, c].sort());

  // A corrupt index is ignored and rebuilt (from settled jobs: a's tag change made it fresh).
  age(join(root, a));
  writeFileSync(index, '{ not an index');
  assert.deepEqual(await ids(), [a, c].sort());
  assert.deepEqual(indexedIds(), [a, c].sort());

  // A line whose columns do not parse: that job is read from its own files, the others still listed.
  const damaged = readFileSync(index, 'utf8').split('\n').map((line) => (line.startsWith(a) ? line.replace(/\t"[^\t]*"\t/, '\t{broken\t') : line)).join('\n');
  writeFileSync(index, damaged);
  assert.deepEqual(await ids(), [a, c].sort());
  assert.deepEqual((await run(['list', '--all', '--tag', 'two'])).json.jobs.map((j) => j.job_id), [a]);
});

test('queue trusts a line\'s tickets except for jobs being moved in or out of it; a change cut short by a crash is repaired', async (t) => {
  const { base, root, run } = withRoot(t);
  const config = join(base, 'config.toml');
  writeFileSync(config, '[queues.q]\nmax_concurrent = 1\n');
  const blocker = (await run(['run', '--queue', 'q', '--', 'sleep', '300'], { config })).json.job_id;
  const waiting = [];
  for (let i = 0; i < 3; i++) waiting.push((await run(['run', '--queue', 'q', '--snapshot-after', '0', '--', 'true'], { config })).json.job_id);
  const ticketsDir = join(root, '.slots', 'queue-q', 'waiting');
  const tickets = readdirSync(ticketsDir);
  assert.equal(tickets.length, 3);
  const queued = async () => (await run(['queue'], { config })).json.limits.find((l) => l.name === 'q').queued;
  assert.deepEqual(await queued(), waiting);

  // The middle one is killed, and what a kill SIGKILLed between its two steps leaves is put back:
  // its ticket, and the mark of its change with the pid of a process that is gone.
  const [, killed] = waiting;
  await run(['kill', killed], { config });
  const ticket = tickets.find((name) => name.endsWith(killed));
  writeFileSync(join(ticketsDir, ticket), '');
  const mark = join(root, '.slots', '.changing', `${killed}.${Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8')) - 1}.1.1`);
  writeFileSync(mark, '');
  assert.deepEqual(await queued(), [waiting[0], waiting[2]], 'a marked job is listed by its state');
  // Deleted by hand: gone from the answer too.
  rmSync(join(root, waiting[2]), { recursive: true });
  assert.deepEqual(await queued(), [waiting[0]]);

  // The next pass of the dispatcher (the blocker's end frees the slot) repairs the line.
  await run(['kill', blocker], { config });
  await run(['wait', waiting[0], '--timeout', '60s'], { config });
  assert.equal(existsSync(mark), false, 'the mark of the dead change is gone');
  assert.equal(existsSync(join(ticketsDir, ticket)), false, "the killed job's ticket is gone");
});
