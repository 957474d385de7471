// A network partition between jobctl and an SSH host: sshd runs inside a network namespace
// (test/helpers/netns.mjs: unreachable route for 10.77.0.0/16 first, links cut from inside the
// namespace). The job keeps printing on the host while the link is down; once it heals, the
// supervisor reconnects and resumes at its offsets: the local log is byte-identical.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withRoot, waitFor } from '../helpers/jobctl.mjs';
import { startNetnsHost } from '../helpers/netns.mjs';
import { startSshd } from '../helpers/sshd.mjs';

let host;
let sshd;
before(async (t) => {
  host = await startNetnsHost(t);
  if (host !== undefined) sshd = await startSshd(t, { netns: host });
});

const LINES = 300;

test('partition: the link is cut while the job prints and healed later; nothing is lost or repeated', { timeout: 180_000 }, async (t) => {
  if (sshd === undefined) {
    t.skip('netns or ssh missing (see the before hook)');
    return;
  }
  const { run: jobctl, base, root } = withRoot(t);
  const config = join(base, 'config.toml');
  writeFileSync(config, `[executors.far]
type = "ssh"
host = "${sshd.host}"
port = ${sshd.port}
user = "${sshd.user}"
identity_file = "${sshd.identityFile}"
known_hosts = "${sshd.knownHostsFile}"
connect_timeout = 3
`);
  const run = (args) => jobctl(args, { config });
  // About 15 s of output: a line every 50 ms, numbered, plus a last line without a newline.
  const script = `i=0; while [ $i -lt ${LINES} ]; do i=$((i+1)); echo "line $i $(printf '%0100d' $i)"; sleep 0.05; done; printf end`;
  const { json } = await run(['run', '--executor', 'far', '--snapshot-after', '0', '--', 'sh', '-c', script]);
  const log = join(root, json.job_id, 'stdout.log');
  await waitFor(() => readFileSync(log, 'utf8').includes('line 10 '), { timeoutMs: 30_000, what: 'the first lines to arrive' });

  await host.cut();
  const cutAt = readFileSync(log).length;
  // The supervisor notices and says so, while the job stays `running` (never `lost`).
  const unreachable = await waitFor(async () => {
    const st = (await run(['status', json.job_id])).json;
    assert.equal(st.state, 'running', 'a partition does not end the job');
    return st.remote_unreachable;
  }, { timeoutMs: 60_000, intervalMs: 250, what: 'remote_unreachable to be reported' });
  assert.match(unreachable.error, /ssh|timed out/i);
  const duringCut = readFileSync(log).length;
  await host.heal();

  const done = (await run(['wait', json.job_id, '--timeout', '120s'])).json;
  assert.equal(done.state, 'exited', JSON.stringify(done));
  assert.equal(done.exit_code, 0);
  const expected = Array.from({ length: LINES }, (_, k) => `line ${k + 1} ${String(k + 1).padStart(100, '0')}\n`).join('') + 'end';
  const got = readFileSync(log, 'utf8');
  assert.equal(got.length, expected.length, 'no byte lost, none duplicated');
  assert.equal(got, expected);
  // The cut really interrupted the copy: output kept coming only after the heal.
  assert.ok(duringCut < expected.length && cutAt <= duringCut, `copied ${duringCut} of ${expected.length} bytes while cut`);
  const status = (await run(['status', json.job_id])).json;
  assert.equal(status.remote_unreachable, undefined);
});
