// The [executors.NAME] type = "cloud" keys, and the provision command's answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'smol-toml';
import { validateConfig } from '../../../dist/lib/config.js';
import { parseInstance } from '../../../dist/lib/executors/cloud/provider-command.js';

const load = (text) => validateConfig(JSON.parse(JSON.stringify(parse(text))), '/c.toml', text);
const failure = (text) => {
  try {
    load(text);
  } catch (err) {
    return err;
  }
  assert.fail('expected a config_error');
};

test('cloud config: command provider with the ssh keys; max_concurrent is per instance, the limit is derived', () => {
  const config = load(`[executors.burst]
type = "cloud"
provider = "command"
provision = "./up"
destroy = "./down"
idle_timeout = "10m"
max_instances = 3
max_concurrent = 2
labels = ["gpu"]
user = "ubuntu"
port = 2222
workdir = "~/w"
env = { A = "1" }
`);
  const def = config.executors.burst;
  assert.equal(def.type, 'cloud');
  assert.equal(def.provision, './up');
  assert.equal(def.idle_timeout_ms, 600_000);
  assert.equal(def.instance_jobs, 2);
  assert.equal(def.max_instances, 3);
  assert.equal(def.max_concurrent, 6, 'the executor limit: max_instances × jobs per instance');
  assert.deepEqual(def.labels, ['gpu']);
  assert.equal(def.user, 'ubuntu');
  assert.equal(def.port, 2222);
  assert.equal(def.per_job, false);
  assert.equal(def.boot_timeout_ms, 300_000);
});

test('cloud config: without max_instances there is no executor limit; per_job means one job per instance', () => {
  const def = load('[executors.b]\ntype = "cloud"\nprovider = "command"\nprovision = "u"\ndestroy = "d"\nper_job = true\n').executors.b;
  assert.equal(def.max_concurrent, undefined);
  assert.equal(def.instance_jobs, 1);
  assert.equal(def.per_job, true);
  assert.equal(def.idle_timeout_ms, 300_000);
});

test('cloud config: hetzner keys, api_url default, token by variable name only', () => {
  const def = load(`[executors.hz]
type = "cloud"
provider = "hetzner"
token_env = "HCLOUD_TOKEN"
server_type = "gx11"
image = "ubuntu-24.04"
location = "fsn1"
ssh_keys = ["me"]
server_labels = { team = "ml" }
labels = ["gpu"]
`).executors.hz;
  assert.equal(def.hetzner.api_url, 'https://api.hetzner.cloud/v1');
  assert.equal(def.hetzner.token_env, 'HCLOUD_TOKEN');
  assert.deepEqual(def.hetzner.server_labels, { team: 'ml' });
  assert.deepEqual(def.hetzner.ssh_keys, ['me']);
  const local = load(`[executors.hz]\ntype = "cloud"\nprovider = "hetzner"\ntoken_env = "T"\nserver_type = "x"\nimage = "y"\napi_url = "http://127.0.0.1:8080/v1/"\n`).executors.hz;
  assert.equal(local.hetzner.api_url, 'http://127.0.0.1:8080/v1', 'plain http is allowed on loopback only');
});

test('cloud config: mistakes are config errors naming the key', () => {
  const cases = [
    ['provider = "aws"', 'provider'],
    ['provider = "command"\ndestroy = "d"', 'provision'],
    ['provider = "command"\nprovision = "u"\ndestroy = "d"\nhost = "x"', 'host'],
    ['provider = "command"\nprovision = "u"\ndestroy = "d"\nidle_timeout = "soon"', 'idle_timeout'],
    ['provider = "command"\nprovision = "u"\ndestroy = "d"\nper_job = "yes"', 'per_job'],
    ['provider = "command"\nprovision = "u"\ndestroy = "d"\nper_job = true\nmax_concurrent = 2', 'max_concurrent'],
    ['provider = "hetzner"\ntoken_env = "not a name"\nserver_type = "x"\nimage = "y"', 'token_env'],
    ['provider = "hetzner"\ntoken_env = "T"\nimage = "y"', 'server_type'],
    ['provider = "hetzner"\ntoken_env = "T"\nserver_type = "x"\nimage = "y"\nserver_labels = { jobctl-x = "1" }', 'server_labels'],
    ['provider = "hetzner"\ntoken_env = "T"\nserver_type = "x"\nimage = "y"\nprovision = "u"', 'provision'],
    ['provider = "hetzner"\ntoken_env = "T"\nserver_type = "x"\nimage = "y"\napi_url = "http://api.example.com/v1"', 'api_url'],
  ];
  for (const [body, key] of cases) {
    const err = failure(`[executors.c]\ntype = "cloud"\n${body}\n`);
    assert.equal(err.code, 'config_error', body);
    assert.match(err.message, new RegExp(`executors\\.c\\.${key}`), body);
  }
});

test('provision answer: fields are checked; the last line counts when a CLI talks first', () => {
  assert.deepEqual(parseInstance('{"instance_id":"i-1","host":"10.0.0.5","port":22,"user":"u","hourly_cost":0.5}'), { instance_id: 'i-1', host: '10.0.0.5', port: 22, user: 'u', hourly_cost: 0.5, answer: { instance_id: 'i-1', host: '10.0.0.5', port: 22, user: 'u', hourly_cost: 0.5 } });
  const answer = { instance_id: 7, host: 'h', zone: 'eu-1', volumes: ['v-1'] };
  assert.deepEqual(parseInstance(`creating...\n${JSON.stringify(answer)}\n`), { instance_id: '7', host: 'h', answer }, 'the answer is kept verbatim, extra fields included, for the destroy');
  assert.throws(() => parseInstance('nope'), /no JSON object/);
  assert.throws(() => parseInstance('{"host":"h"}'), /instance_id/);
  const noHost = (() => { try { parseInstance('{"instance_id":"i-2","host":"-oProxyCommand=x"}'); } catch (err) { return err; } })();
  assert.match(noHost.message, /host/);
  assert.equal(noHost.instanceId, 'i-2', 'what was made is still named, to be destroyed');
  assert.throws(() => parseInstance('{"instance_id":"i","host":"h","hourly_cost":-1}'), /hourly_cost/);
});
