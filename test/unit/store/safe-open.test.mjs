// Opening job files (store/safe-open.ts) and reading a job as a record or a corrupt job
// (store/jobs.ts inspectJob), on real files: symlinks are refused without being followed, a FIFO
// without a writer is refused without blocking, corrupt files give a reason naming the file.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openForAppend, openForRead, readFileText } from '../../../dist/lib/store/safe-open.js';
import { inspectJob, jobFiles } from '../../../dist/lib/store/jobs.js';
import { makeJob, tempRoot } from '../../helpers/unit-store.mjs';

const { root, cleanup } = tempRoot('jobctl-safe-open-');
after(cleanup);

test('a regular file opens; a missing one reads as undefined', () => {
  const path = join(root, 'plain.log');
  writeFileSync(path, 'hello');
  const fd = openForRead(path);
  assert.equal(typeof fd, 'number');
  closeSync(fd);
  assert.equal(openForRead(join(root, 'missing.log')), undefined);
  assert.equal(readFileText(path), 'hello');
});

test('a symlink is refused, for reading and appending, and its target is untouched', () => {
  const target = join(root, 'outside.txt');
  writeFileSync(target, 'precious');
  const link = join(root, 'link.log');
  symlinkSync(target, link);
  for (const open of [() => openForRead(link), () => openForAppend(link), () => readFileText(link)]) {
    assert.throws(open, (err) => err.code === 'io_error' && err.message.includes(link) && /symbolic link/.test(err.message));
  }
  assert.equal(readFileSync(target, 'utf8'), 'precious');
});

test('a FIFO is refused at once, for reading and appending (nobody writes or reads it)', () => {
  const fifo = join(root, 'pipe.log');
  execFileSync('mkfifo', [fifo]);
  for (const open of [() => openForRead(fifo), () => openForAppend(fifo)]) {
    assert.throws(open, (err) => err.code === 'io_error' && err.message.includes(fifo) && /FIFO/.test(err.message));
  }
});

test('inspectJob names what makes a job corrupt, and reads a sound one as a record', () => {
  const sound = makeJob(root);
  assert.equal(inspectJob(sound.dir).state.state, 'created');
  const cases = [
    [(dir) => writeFileSync(jobFiles(dir).state, ''), /state\.json: empty/],
    [(dir) => writeFileSync(jobFiles(dir).meta, '{"job_id": '), /meta\.json: not valid JSON/],
    [(dir) => writeFileSync(jobFiles(dir).state, '[1,2]'), /state\.json: not a JSON object/],
    [(dir) => { rmSync(jobFiles(dir).state); mkdirSync(jobFiles(dir).state); }, /state\.json is a directory, not a regular file/],
    [(dir) => rmSync(jobFiles(dir).state), /state\.json: missing/],
  ];
  for (const [spoil, reason] of cases) {
    const { id, dir } = makeJob(root);
    spoil(dir);
    const found = inspectJob(dir);
    assert.equal(found.job_id, id);
    assert.match(found.reason, reason);
    assert.ok(found.mtime_ms > 0);
  }
});
