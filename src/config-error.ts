// The config_error every config problem becomes: file, line (when known) and key.
import { JobError } from './errors.js';

export function configError(path: string, key: string, message: string, line?: number): JobError {
  const where = line !== undefined ? `${path}:${line}` : path;
  return new JobError('config_error', `${where}: ${key ? `${key}: ` : ''}${message}`, {
    path,
    ...(key ? { key } : {}),
    ...(line !== undefined ? { line } : {}),
  });
}

/**
 * The 1-based line of `key` inside `[section]` of a TOML text (or of the section header), for
 * errors found after parsing. Best effort: undefined when it cannot be found.
 */
export function lineOf(text: string, section: string, key?: string): number | undefined {
  const lines = text.split('\n');
  const header = new RegExp(`^\\s*\\[\\s*${section.split('.').map((p) => `"?${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?`).join('\\s*\\.\\s*')}\\s*\\]`);
  const start = lines.findIndex((l) => header.test(l));
  if (start === -1) return undefined;
  if (key === undefined) return start + 1;
  const keyRe = new RegExp(`^\\s*"?${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?\\s*=`);
  for (let i = start + 1; i < lines.length; i++) {
    const l = lines[i] as string;
    if (/^\s*\[/.test(l)) break;
    if (keyRe.test(l)) return i + 1;
  }
  return start + 1;
}
