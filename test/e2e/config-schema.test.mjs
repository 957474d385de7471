import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { withRoot } from '../helpers/jobctl.mjs';

test('schema describes every output type and both events', async (t) => {
  const { run } = withRoot(t);
  const { json } = await run(['schema']);
  for (const type of ['error', 'run', 'create', 'start', 'status', 'tail', 'wait', 'kill', 'list', 'tag_set', 'notify_set', 'gc', 'delete', 'schema', 'version', 'config_path', 'config_show', 'config_init', 'config_import']) {
    assert.ok(json.schema.outputs[type], `schema for ${type}`);
  }
  assert.ok(json.schema.events['job.finished']);
  assert.ok(json.schema.events['job.output.matched']);
});

test('version reports versions', async (t) => {
  const { run } = withRoot(t);
  const { json } = await run(['version']);
  assert.equal(json.version, JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version);
  assert.equal(json.schema_version, '1');
  assert.equal(json.node_version, process.versions.node);
});

test('a broken config is config_error naming file and line, never a crash', async (t) => {
  const { run, base } = withRoot(t);
  const config = join(base, 'config.toml');
  writeFileSync(config, '[shell]\nunix = ["sh", "-lc"\n');
  const syntax = await run(['run', '--wait', 'true'], { config });
  assert.equal(syntax.code, 1);
  assert.equal(syntax.json.error.code, 'config_error');
  assert.equal(syntax.json.error.details.path, config);
  assert.equal(typeof syntax.json.error.details.line, 'number');
  writeFileSync(config, '[notify]\ncommand_timeout = "soon"\n');
  const badValue = await run(['config', 'show'], { config });
  assert.equal(badValue.json.error.code, 'config_error');
  assert.equal(badValue.json.error.details.key, 'notify.command_timeout');
  writeFileSync(config, '[shell]\nunix = []\n');
  assert.equal((await run(['run', 'true'], { config })).json.error.code, 'config_error');
  const missing = await run(['config', 'show'], { config: join(base, 'missing.toml') });
  assert.equal(missing.json.error.code, 'config_error');
  // Commands that need no config still work with a broken one.
  assert.equal((await run(['list'], { config })).json.ok, true);
});

test('config init writes a starter file once; path and show report it', async (t) => {
  const { run, base } = withRoot(t);
  const config = join(base, 'conf', 'config.toml');
  const path = await run(['config', 'path', '--config', config]);
  assert.deepEqual([path.json.path, path.json.source, path.json.exists], [config, 'flag', false]);
  const init = await run(['config', 'init', '--config', config]);
  assert.equal(init.json.written, true);
  assert.ok(existsSync(config));
  const again = await run(['config', 'init', '--config', config]);
  assert.equal(again.json.error.code, 'invalid_state');
  const forced = await run(['config', 'init', '--force', '--config', config]);
  assert.equal(forced.json.written, true);
  const show = await run(['config', 'show', '--config', config]);
  assert.deepEqual(show.json.config, {
    shell: { unix: ['sh', '-lc'] },
    notify: { command_timeout: '30s', webhook_timeout: '10s', webhook_attempts: 3 },
    gc: { older_than: '30d' },
    events: { max_age: '30d', max_bytes: 536870912 },
    serve: { listen: '127.0.0.1:8787' },
    defaults: { max_log_bytes: 1073741824, executor: 'local' },
    executors: { local: { type: 'local', labels: [], env: {} } },
  });
  const seedSpelling = await run(['config', '--init', '--force', '--config', config]);
  assert.equal(seedSpelling.json.type, 'config_init');
  const byDefault = await run(['config', 'path']);
  assert.equal(byDefault.json.source, 'default');
  assert.match(byDefault.json.path, /xdg-config\/jobctl\/config\.toml$/);
});

test('--root works before or after the subcommand; JOBCTL_ROOT is the fallback', async (t) => {
  const { run, base } = withRoot(t);
  const other = join(base, 'other-root');
  const created = await run(['--root', other, 'create', '--', 'true']);
  assert.equal((await run(['status', '--root', other, created.json.job_id])).json.state, 'created');
  assert.equal((await run(['status', created.json.job_id])).json.error.code, 'job_not_found');
});
