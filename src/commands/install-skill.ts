// `install-skill [--dir DIR] [--global] [--force]`: writes DIR/jobctl/SKILL.md, the Agent Skill
// that teaches a coding agent to use jobctl (templates/SKILL.md, bundled into the build).
// The file ends with a marker holding the sha256 of what jobctl wrote: a file whose text still
// matches its marker is jobctl's own and may be replaced by a newer one; any other existing
// file (edited, or not written by jobctl) is left alone unless --force.
// node:fs only for the skill file, outside the job root.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { JobError, usageError } from '../errors.js';
import { optBool, optNonEmpty } from '../command-support/args.js';
import { makeDirs } from '../util/make-dirs.js';
import { expandHome } from '../util/fs-checks.js';
import { writeFileAtomic } from '../store/atomic.js';
import { VERSION } from '../version.js';
import template from '../../templates/SKILL.md';
import type { CommandDef } from '../command-support/types.js';

export const DEFAULT_SKILLS_DIR = '.claude/skills';
const MARKER = /\n<!-- jobctl install-skill (\S+) sha256:([0-9a-f]{64}) -->\n$/;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The skill file as this version writes it: the template and its marker. */
export function skillFile(): string {
  return `${template}\n<!-- jobctl install-skill ${VERSION} sha256:${sha256(template)} -->\n`;
}

/** Whether `text` is a skill file jobctl wrote and nobody changed since. */
function isUnchangedSkill(text: string): boolean {
  const m = MARKER.exec(text);
  return m !== null && sha256(text.slice(0, m.index)) === m[2];
}

export const installSkillCommand: CommandDef = {
  command: 'install-skill',
  describe: 'write the jobctl Agent Skill to DIR/jobctl/SKILL.md (default .claude/skills)',
  type: 'install_skill',
  usesRoot: false,
  options: {
    dir: { type: 'string', describe: `skills directory (default ${DEFAULT_SKILLS_DIR} under the current directory)` },
    global: { type: 'boolean', describe: `the user's skills directory: ~/${DEFAULT_SKILLS_DIR}` },
    force: { type: 'boolean', describe: 'overwrite a SKILL.md that was changed or not written by jobctl' },
  },
  async handler(args) {
    const dirFlag = optNonEmpty(args, 'dir');
    const global = optBool(args, 'global');
    const force = optBool(args, 'force');
    if (dirFlag !== undefined && global) throw usageError('give --dir or --global, not both', { flag: 'global' });
    const skillsDir = dirFlag !== undefined ? resolve(expandHome(dirFlag)) : global ? join(homedir(), DEFAULT_SKILLS_DIR) : resolve(DEFAULT_SKILLS_DIR);
    const path = join(skillsDir, 'jobctl', 'SKILL.md');
    const wanted = skillFile();
    const existing = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
    if (existing === wanted) return { path, written: false, outcome: 'unchanged' };
    if (existing !== undefined && !isUnchangedSkill(existing) && !force) {
      throw new JobError('invalid_state', `${path} exists and was changed (or not written by jobctl); --force overwrites it`, { path });
    }
    makeDirs(dirname(path), 0o755);
    writeFileAtomic(path, wanted, 0o644);
    const outcome = existing === undefined ? 'created' : isUnchangedSkill(existing) ? 'updated' : 'overwritten';
    return { path, written: true, outcome };
  },
};
