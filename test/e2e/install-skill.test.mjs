// `jobctl install-skill`: the Agent Skill file — its front matter parses, every command and flag
// it shows exists — written where asked, never over a file the user changed unless --force.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { jobctl, testDir, PROJECT } from '../helpers/jobctl.mjs';
import { findCommand, flagTable } from '../../dist/lib/cli/command-table.js';

const TEMPLATE = join(PROJECT, 'templates', 'SKILL.md');

function frontMatter(text) {
  const m = /^---\n([\s\S]*?)\n---\n/.exec(text);
  assert.ok(m, 'the file starts with YAML front matter');
  return { meta: parse(m[1]), body: text.slice(m[0].length) };
}

test('the skill\'s front matter has a name and a description; its body names the rules', () => {
  const { meta, body } = frontMatter(readFileSync(TEMPLATE, 'utf8'));
  assert.equal(meta.name, 'jobctl');
  assert.match(meta.name, /^[a-z0-9-]{1,64}$/, 'an Agent Skills name');
  assert.equal(typeof meta.description, 'string');
  assert.ok(meta.description.length > 50 && meta.description.length <= 1024);
  for (const needed of ['--snapshot-after', 'jobctl status', 'jobctl tail', 'jobctl wait', '--timeout', '--notify-command', '--notify-file', 'jobctl kill', 'jobctl gc', 'milliseconds', 'sleep']) {
    assert.ok(body.includes(needed), `the skill mentions ${needed}`);
  }
});

test('every jobctl command and flag the skill shows exists', () => {
  const text = readFileSync(TEMPLATE, 'utf8');
  // The command lines of the code blocks, and inline code that starts with `jobctl `.
  const fenced = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1].split('\n'));
  const inline = [...text.matchAll(/`(jobctl [^`]+)`/g)].map((m) => m[1]);
  const calls = [...fenced, ...inline].map((l) => l.split('#')[0].trim()).filter((l) => l.startsWith('jobctl ')).map((l) => /^jobctl ([a-z][a-z-]*)(.*)$/.exec(l));
  assert.ok(calls.length >= 10, `calls found: ${calls.length}`);
  for (const [line, word, rest] of calls) {
    const def = findCommand(word, rest.trim().split(/\s+/)[0]);
    assert.ok(def, `${line}: jobctl ${word} is a command`);
    const flags = flagTable(def);
    for (const [, flag] of rest.split(' -- ')[0].matchAll(/--([a-z][a-z-]*)/g)) assert.ok(flags.has(flag), `${line}: --${flag} is a flag of ${word}`);
  }
});

test('install-skill writes DIR/jobctl/SKILL.md, again is unchanged, a changed file needs --force', async (t) => {
  const dir = testDir(t);
  const root = join(dir, 'jobs');
  const first = (await jobctl(['install-skill'], { root, cwd: dir })).json;
  const path = join(dir, '.claude', 'skills', 'jobctl', 'SKILL.md');
  assert.deepEqual({ path: first.path, written: first.written, outcome: first.outcome }, { path, written: true, outcome: 'created' });
  const written = readFileSync(path, 'utf8');
  assert.ok(written.startsWith(readFileSync(TEMPLATE, 'utf8')), 'the template, then the marker');
  assert.match(written, /<!-- jobctl install-skill \S+ sha256:[0-9a-f]{64} -->\n$/);
  assert.equal(frontMatter(written).meta.name, 'jobctl');
  assert.equal(statSync(path).mode & 0o777, 0o644);
  assert.ok(!existsSync(root), 'the job root is not touched');

  const again = (await jobctl(['install-skill'], { root, cwd: dir })).json;
  assert.equal(again.outcome, 'unchanged');
  assert.equal(again.written, false);

  writeFileSync(path, written.replace('# Background jobs with jobctl', '# My own notes'));
  const refused = await jobctl(['install-skill'], { root, cwd: dir });
  assert.equal(refused.code, 1);
  assert.equal(refused.json.error.code, 'invalid_state');
  assert.match(refused.json.error.message, /--force/);
  assert.match(readFileSync(path, 'utf8'), /# My own notes/, 'the changed file is left alone');

  const forced = (await jobctl(['install-skill', '--force'], { root, cwd: dir })).json;
  assert.equal(forced.outcome, 'overwritten');
  assert.equal(readFileSync(path, 'utf8'), written);
});

test('a file an older jobctl wrote (unchanged since) is replaced; a file without the marker is not', async (t) => {
  const dir = testDir(t);
  const skills = join(dir, 'skills');
  const path = join(skills, 'jobctl', 'SKILL.md');
  mkdirSync(join(skills, 'jobctl'), { recursive: true });
  const { createHash } = await import('node:crypto');
  const old = '---\nname: jobctl\ndescription: an older skill text\n---\n\nold\n';
  writeFileSync(path, `${old}\n<!-- jobctl install-skill 0.0.1 sha256:${createHash('sha256').update(old).digest('hex')} -->\n`);
  const updated = (await jobctl(['install-skill', '--dir', skills], { root: join(dir, 'jobs') })).json;
  assert.equal(updated.outcome, 'updated');
  assert.equal(updated.path, path);

  writeFileSync(path, 'my own skill\n');
  const refused = await jobctl(['install-skill', '--dir', skills], { root: join(dir, 'jobs') });
  assert.equal(refused.json.error.code, 'invalid_state');
  assert.equal(readFileSync(path, 'utf8'), 'my own skill\n');
});

test('--global writes to ~/.claude/skills; --dir with --global is a usage error', async (t) => {
  const dir = testDir(t);
  const home = join(dir, 'home');
  mkdirSync(home);
  const { json } = await jobctl(['install-skill', '--global'], { root: join(dir, 'jobs'), env: { HOME: home } });
  assert.equal(json.path, join(home, '.claude', 'skills', 'jobctl', 'SKILL.md'));
  assert.ok(existsSync(json.path));
  const both = await jobctl(['install-skill', '--global', '--dir', dir], { root: join(dir, 'jobs') });
  assert.equal(both.code, 2);
  assert.equal(both.json.error.code, 'usage_error');
  writeFileSync(join(dir, 'file'), '');
  const notDir = await jobctl(['install-skill', '--dir', join(dir, 'file')], { root: join(dir, 'jobs') });
  assert.equal(notDir.json.error.code, 'io_error');
});
