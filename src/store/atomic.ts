// Crash-consistent writes. Invariant: a reader never sees a partial JSON file, because every
// write goes to a temp file in the same directory, is fsynced, then renamed over the target
// (and the directory is fsynced so the rename survives a crash). The temp file is created
// exclusively without following a symlink; the rename replaces whatever was at the target (a
// planted symlink is replaced, never written through). Reads go through safe-open.ts.
// A batch (store/job-batch.ts) may write temp files unsynced and make them durable together
// (syncFilesystem) before renaming them into place: the invariant holds for it too.
import { closeSync, fsyncSync, linkSync, openSync, renameSync, writeSync, unlinkSync, constants as fsConstants } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { execFileSync } from 'node:child_process';
import { readFileText } from './safe-open.js';

const CREATE_NEW = fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW;

let tempCounter = 0;

/** fsyncs a directory (or a file); a filesystem that refuses is ignored. */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some filesystems refuse directory fsync; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Writes `data` to a new temp file next to `path` (created exclusively, never through a link),
 * fsynced unless `sync` is false; returns its path. The caller renames it into place.
 */
export function writeTempFile(path: string, data: string | Buffer, mode = 0o600, sync = true): string {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${++tempCounter}.tmp`);
  const fd = openSync(tmp, CREATE_NEW, mode);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    if (sync) fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw err;
  }
  closeSync(fd);
  return tmp;
}

/** Renames a temp file of writeTempFile over `path`; the temp file is removed if that fails. */
export function renameIntoPlace(tmp: string, path: string): void {
  try {
    renameSync(tmp, path);
  } catch (err) {
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw err;
  }
}

/**
 * Links a temp file of writeTempFile to `path` unless something is there already (link(2) never
 * replaces: of two writers, the first wins), then removes the temp file.
 */
export function linkIntoPlace(tmp: string, path: string): void {
  try {
    linkSync(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(tmp);
  }
}

export function writeFileAtomic(path: string, data: string | Buffer, mode = 0o600, syncDir = true): void {
  const dir = dirname(path);
  renameIntoPlace(writeTempFile(path, data, mode), path);
  if (syncDir) fsyncDir(dir);
}

/**
 * Makes every write so far on the filesystem holding `path` durable (syncfs, through coreutils
 * `sync -f`); when that cannot run, fsyncs each of `paths` (files and directories) instead.
 */
export function syncFilesystem(path: string, paths: () => Iterable<string>): void {
  try {
    execFileSync('sync', ['-f', path], { stdio: 'ignore' });
    return;
  } catch {
    // No coreutils sync (or one without -f): one fsync per path.
  }
  for (const p of paths()) fsyncDir(p);
}

export function writeJsonAtomic(path: string, value: unknown, mode = 0o600, syncDir = true): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n', mode, syncDir);
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileText(path)) as T;
}

/** A JSON file that may not exist (yet): undefined when it is missing or unreadable. */
export function readJsonIfPresent<T>(path: string): T | undefined {
  try {
    return readJson<T>(path);
  } catch {
    return undefined;
  }
}
