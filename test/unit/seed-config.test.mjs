// The mapping of an openclaw-coding-agent config (already parsed) to config.toml.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'smol-toml';
import { importSeedConfig } from '../../dist/lib/command-support/seed-config.js';
import { validateConfig } from '../../dist/lib/config.js';

const SEED = {
  executors: [
    { name: 'local', type: 'local', labels: ['quick-tasks', 'lightweight'] },
    { name: 'gpu-box', type: 'ssh', host: '10.0.0.5', port: 22, user: 'ubuntu', claude_path: '/usr/local/bin/claude', labels: ['gpu', 'heavy'] },
    { name: 'sandbox', type: 'docker', image: 'node:20', runtime: 'docker', volumes: ['/work:/work'] },
  ],
  defaults: { max_turns: 20, claude_path: 'claude', webhook_url: 'https://example.invalid/hook' },
};

// smol-toml builds null-prototype objects: compared as plain ones.
const plain = (text) => JSON.parse(JSON.stringify(parse(text)));
const tomlOf = (doc) => plain(importSeedConfig(doc, '/seed.yaml').toml);

test('the seed config maps key by key, and the result passes jobctl validation', () => {
  const out = importSeedConfig(SEED, '/seed.yaml');
  assert.deepEqual(out.executors, ['local', 'gpu-box', 'sandbox']);
  assert.deepEqual(out.warnings, []);
  const toml = plain(out.toml);
  assert.deepEqual(toml.defaults, { max_turns: 20 });
  assert.deepEqual(toml.notify, { webhook_url: 'https://example.invalid/hook' });
  // The built-in local executor takes its keys without a type.
  assert.deepEqual(toml.executors.local, { labels: ['quick-tasks', 'lightweight'], claude_path: 'claude' });
  assert.deepEqual(toml.executors['gpu-box'], { type: 'ssh', host: '10.0.0.5', port: 22, user: 'ubuntu', claude_path: '/usr/local/bin/claude', labels: ['gpu', 'heavy'] });
  assert.deepEqual(toml.executors.sandbox, { type: 'container', runtime: 'docker', image: 'node:20', volumes: ['/work:/work'], claude_path: 'claude' });
  const config = validateConfig(toml, '/c.toml');
  assert.equal(config.executors.local.type, 'local');
  assert.equal(config.defaults.max_turns, 20);
});

test('docker and podman become containers with that runtime; other names get type "local"', () => {
  const toml = tomlOf({ executors: [{ name: 'p', type: 'podman', image: 'i' }, { name: 'here', type: 'local', workdir: '/srv', max_concurrent: 2 }, { name: 'c', type: 'container', image: 'i' }] });
  assert.deepEqual(toml.executors.p, { type: 'container', runtime: 'podman', image: 'i' });
  assert.deepEqual(toml.executors.here, { type: 'local', workdir: '/srv', max_concurrent: 2 });
  assert.deepEqual(toml.executors.c, { type: 'container', image: 'i' });
  assert.equal(toml.executors.local, undefined, 'no defaults path: the built-in local table is not written');
});

test('every key without an equivalent is a warning naming where it was', () => {
  const out = importSeedConfig({
    executors: [{ name: 'g', type: 'ssh', host: 'h', gpu_count: 2, port: null }],
    defaults: { max_turns: 5, temperature: 0.2 },
    telemetry: true,
  }, '/seed.yaml');
  assert.deepEqual(out.warnings.sort(), ['defaults.temperature: no equivalent', 'executors[0].gpu_count: no equivalent', 'executors[0].port: empty, left out', 'telemetry: no equivalent']);
  assert.ok(!out.toml.includes('gpu_count') && !out.toml.includes('temperature'));
});

test('a non-mapping, a bad list, an unknown type, a contradiction or an invalid value is a config_error with its line', () => {
  const lineAt = (path) => (path.length === 0 ? undefined : path.length * 10 + (typeof path[1] === 'number' ? path[1] : 0));
  const cases = [
    [['a list'], undefined, undefined],
    [{ executors: { a: 1 } }, 'executors', 10],
    [{ executors: [{ name: 'x', type: 'kubernetes' }] }, 'executors[0].type', 30],
    [{ executors: [{ type: 'ssh', host: 'h' }] }, 'executors[0].name', 30],
    [{ executors: [{ name: 'x', type: 'docker', runtime: 'podman', image: 'i' }] }, 'executors[0].runtime', 30],
    [{ executors: [{ name: 'x', type: 'local' }, { name: 'x', type: 'local' }] }, 'executors[1].name', 31],
    [{ executors: [{ name: 'g', type: 'ssh', host: 'h', port: 'twenty-two' }] }, 'executors[0].port', 30],
    [{ executors: [{ name: 'g', type: 'ssh' }] }, 'executors[0]', 20],
    [{ defaults: { max_turns: -1 } }, 'defaults.max_turns', 20],
  ];
  for (const [doc, key, line] of cases) {
    assert.throws(() => importSeedConfig(doc, '/seed.yaml', lineAt), (err) => {
      assert.equal(err.code, 'config_error', JSON.stringify(doc));
      assert.equal(err.details.path, '/seed.yaml');
      assert.equal(err.details.key, key, `${JSON.stringify(doc)}: ${err.message}`);
      assert.equal(err.details.line, line, `${JSON.stringify(doc)}: ${err.message}`);
      return true;
    });
  }
});

test('defaults agent paths reach every executor that has none, the built-in local one included', () => {
  const toml = tomlOf({ executors: [{ name: 'a', type: 'ssh', host: 'h', codex_path: '/x/codex' }], defaults: { codex_path: 'codex', gemini_path: '/g' } });
  assert.deepEqual([toml.executors.a.codex_path, toml.executors.a.gemini_path], ['/x/codex', '/g']);
  assert.deepEqual(toml.executors.local, { codex_path: 'codex', gemini_path: '/g' });
});
