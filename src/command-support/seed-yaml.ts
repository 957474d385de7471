// Reading the YAML of `config import`: a parse error is a config_error with its line, and each
// value can be traced back to its line. The `yaml` package is loaded only by this command.
// node:fs only for the YAML file given, outside the job root.
import { readFileSync, statSync } from 'node:fs';
import { JobError } from '../errors.js';
import type { YamlPath } from './seed-config.js';

const MAX_YAML_BYTES = 1024 * 1024;

export interface ParsedYaml {
  doc: unknown;
  lineAt(path: YamlPath): number | undefined;
}

const configError = (file: string, message: string, line?: number): JobError =>
  new JobError('config_error', `${line !== undefined ? `${file}:${line}` : file}: ${message}`, { path: file, ...(line !== undefined ? { line } : {}) });

export async function readSeedYaml(file: string): Promise<ParsedYaml> {
  let text: string;
  try {
    if (statSync(file).size > MAX_YAML_BYTES) throw configError(file, `larger than ${MAX_YAML_BYTES} bytes: not a config file`);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof JobError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw configError(file, code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory' : (err as Error).message);
  }
  const { parseDocument, LineCounter } = await import('yaml');
  const lines = new LineCounter();
  const parsed = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const first = parsed.errors[0];
  if (first !== undefined) {
    const at = first.linePos?.[0]?.line ?? (first.pos[0] >= 0 ? lines.linePos(first.pos[0]).line : undefined);
    throw configError(file, `invalid YAML: ${first.message.split('\n')[0] ?? ''}`, at);
  }
  let doc: unknown;
  try {
    // Aliases are bounded (maxAliasCount): a small file cannot expand into a huge one.
    doc = parsed.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw configError(file, `invalid YAML: ${(err as Error).message.split('\n')[0] ?? ''}`);
  }
  return {
    doc,
    lineAt(path) {
      // The value's line, else its nearest parent's (a missing key: the mapping that lacks it).
      for (let n = path.length; n > 0; n--) {
        const node = parsed.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
        if (node?.range !== undefined) return lines.linePos(node.range[0]).line;
      }
      return undefined;
    },
  };
}
