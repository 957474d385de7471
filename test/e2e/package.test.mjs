// The npm package: `npm pack` ships the launcher, the two bundles, the library and its types, the skill template and the docs, nothing of the
// sources, tests, benchmark or dist/lib; a launcher without its build answers one JSON error.
// (Installing the tarball for real is a CI step, .ci/run: re2 compiles for minutes.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT, BIN, jobctl, testDir } from '../helpers/jobctl.mjs';

function packedFiles() {
  // --ignore-scripts: the tests run on a fresh build; no second build here.
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: PROJECT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const [entry] = JSON.parse(out);
  return entry.files.map((f) => f.path);
}

test('npm pack ships bin, the bundles, the library, the skill template and the docs, and nothing test-only or stray', () => {
  const files = packedFiles();
  for (const needed of ['bin/jobctl', 'bin/package.json', 'dist/cli.cjs', 'dist/supervisor.cjs', 'dist/index.js', 'dist/index.d.ts', 'dist/dashboard/index.html', 'templates/SKILL.md', 'package.json', 'README.md', 'CHANGELOG.md', 'config.example.toml', 'docs/cli-contract.md']) {
    assert.ok(files.includes(needed), `${needed} is in the package: ${files.join(', ')}`);
  }
  assert.ok(files.some((f) => f.startsWith('examples/')), 'examples are in the package');
  const stray = files.filter((f) => /^(src|test|bench|scripts|dist\/lib|node_modules|\.ci)\//.test(f) || ['tsconfig.json', 'eslint.config.js', 'package-lock.json'].includes(f));
  assert.deepEqual(stray, [], 'nothing test-only, source or stray is packed');
});

test('the runtime dependencies are what the bundles load from node_modules', async () => {
  const { readFile } = await import('node:fs/promises');
  const pkg = JSON.parse(await readFile(join(PROJECT, 'package.json'), 'utf8'));
  // What the build leaves out of the bundles (loaded from node_modules at run time) is exactly
  // the runtime dependencies.
  const build = await readFile(join(PROJECT, 'scripts', 'build.mjs'), 'utf8');
  const external = JSON.parse(build.match(/const external = (\[[^\]]*\])/)[1].replace(/'/g, '"'));
  assert.deepEqual(Object.keys(pkg.dependencies).sort(), [...external].sort());
  assert.deepEqual(Object.keys(pkg.dependencies).sort(), ['@modelcontextprotocol/sdk', 'better-sqlite3', 'execa', 're2', 'yaml', 'zod']);
  assert.equal(pkg.scripts.prepack, 'node scripts/build.mjs');
  assert.equal(pkg.scripts.prepare, undefined, 'no script runs when the tarball is installed');
});

test('a launcher whose dist/cli.cjs is missing answers one internal_error telling to build', async (t) => {
  const dir = testDir(t);
  mkdirSync(join(dir, 'bin'));
  copyFileSync(BIN, join(dir, 'bin', 'jobctl'));
  copyFileSync(join(PROJECT, 'bin', 'package.json'), join(dir, 'bin', 'package.json'));
  const { json, code, stderr } = await jobctl(['run', '--wait', '--', 'echo', 'hi'], { bin: join(dir, 'bin', 'jobctl'), root: join(dir, 'jobs') });
  assert.equal(code, 1);
  assert.equal(json.ok, false);
  assert.equal(json.error.code, 'internal_error');
  assert.equal(json.error.retryable, false);
  assert.match(json.error.message, /build/);
  assert.ok(json.error.message.includes(join(dir, 'dist', 'cli.cjs')), json.error.message);
  assert.doesNotMatch(stderr, /Cannot find module|at .*:\d+:\d+/);
});
