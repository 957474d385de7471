// `config import FILE.yaml [--dry-run] [--force] [--output PATH]`: an openclaw-coding-agent YAML
// config turned into config.toml at the usual config path (or --output). Never writes over an
// existing file without --force (invalid_state, as `config init`).
// node:fs only for config.toml, outside the job root.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { JobError, usageError } from '../errors.js';
import { optBool, optNonEmpty } from '../command-support/args.js';
import { writeFileAtomic } from '../store/atomic.js';
import { makeDirs } from '../util/make-dirs.js';
import { resolveConfigPath } from '../store/root.js';
import { importSeedConfig } from '../command-support/seed-config.js';
import { readSeedYaml } from '../command-support/seed-yaml.js';
import type { CommandDef } from '../command-support/types.js';

export const configImportCommand: CommandDef = {
  command: 'import [file]',
  group: 'config',
  describe: 'write config.toml from an openclaw-coding-agent YAML config',
  type: 'config_import',
  usesRoot: false,
  options: {
    'dry-run': { type: 'boolean', describe: 'print the TOML (as `config`) without writing it' },
    force: { type: 'boolean', describe: 'overwrite an existing file' },
    output: { type: 'string', describe: 'write here instead of the config path' },
  },
  async handler(args, ctx) {
    const given = optNonEmpty(args, 'file');
    if (given === undefined) throw usageError('no file given: jobctl config import FILE.yaml', { flag: 'file' });
    const file = resolve(given);
    const output = optNonEmpty(args, 'output');
    const path = output !== undefined ? resolve(output) : resolveConfigPath(ctx.configFlag).path;
    const dryRun = optBool(args, 'dry-run');
    const yaml = await readSeedYaml(file);
    const result = importSeedConfig(yaml.doc, file, (p) => yaml.lineAt(p));
    const answer = { path, executors: result.executors, warnings: result.warnings, dry_run: dryRun };
    if (dryRun) return { ...answer, written: false, config: result.toml };
    if (existsSync(path) && !optBool(args, 'force')) {
      throw new JobError('invalid_state', `${path} already exists; use --force to overwrite it`, { path });
    }
    makeDirs(dirname(path));
    writeFileAtomic(path, result.toml, 0o600);
    return { ...answer, written: true };
  },
};
