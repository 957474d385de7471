// mkdir -p without Node's retry loop: fs.mkdirSync(path, { recursive: true }) spins forever at
// 100 % CPU where mkdir answers ENOENT although the parent exists (under /proc, /sys). Here
// each missing component is created once, top down, so a failure ends the call at once.
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

function errnoOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** Creates `path` and its missing parents with `mode`; throws the first error as it is. */
export function makeDirs(path: string, mode = 0o700): void {
  const missing: string[] = [];
  let dir = resolve(path);
  // Upwards to the nearest existing component: at most one step per path component.
  for (;;) {
    try {
      if (statSync(dir).isDirectory()) break;
      throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${dir}'`), { code: 'ENOTDIR', path: dir, syscall: 'mkdir' });
    } catch (err) {
      if (errnoOf(err) !== 'ENOENT') throw err;
      missing.push(dir);
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d, { mode });
    } catch (err) {
      // Created meanwhile by another process: fine when it is a directory.
      if (errnoOf(err) !== 'EEXIST' || !statSync(d).isDirectory()) throw err;
    }
  }
}
