// Scratch files a child process writes and this process reads once (an ssh call's stderr), in
// a job's directory or any private directory the caller owns (a probe's temporary one).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { nanoid } from 'nanoid';
import { readFileText } from './safe-open.js';

export interface ScratchFile {
  path: string;
  /** The file's text, trimmed and cut to `maxChars`; empty when it does not exist. */
  readText(maxChars: number): string;
  remove(): void;
}

/** A new, unique scratch file name `.<prefix>-<random><suffix>` in `dir` (not created). */
export function scratchFile(dir: string, prefix: string, suffix: string): ScratchFile {
  const path = join(dir, `.${prefix}-${nanoid(8)}${suffix}`);
  return {
    path,
    readText(maxChars) {
      try {
        return readFileText(path).trim().slice(0, maxChars);
      } catch {
        return '';
      }
    },
    remove: () => rmSync(path, { force: true }),
  };
}
