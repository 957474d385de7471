// docs/recipes.md end to end: jobctl runs the examples/notify scripts as notify commands (from /,
// by absolute path) and records what happened in completion_event.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync, mkdirSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT, withRoot, waitFor } from '../helpers/jobctl.mjs';

const WAKE = join(PROJECT, 'examples', 'notify', 'openclaw-wake.sh');
const MESSAGE = join(PROJECT, 'examples', 'notify', 'openclaw-message.sh');

function fakeOpenclaw(base) {
  const bin = join(base, 'bin');
  mkdirSync(bin);
  writeFileSync(
    join(bin, 'openclaw'),
    '#!/bin/sh\nprintf \'%s\\000\' "$@" >> "$OPENCLAW_ARGV"\nprintf \'\\n\' >> "$OPENCLAW_ARGV"\n[ -z "${OPENCLAW_FAIL:-}" ] || { echo "gateway unreachable" >&2; exit 7; }\n',
  );
  chmodSync(join(bin, 'openclaw'), 0o755);
  return bin;
}

async function deliveries(root, id) {
  const path = join(root, id, 'completion_event.json');
  return waitFor(() => {
    if (!existsSync(path)) return undefined;
    const c = JSON.parse(readFileSync(path, 'utf8'));
    return c.delivery_results.length > 0 ? c.delivery_results : undefined;
  }, { what: 'the notify command delivery' });
}

test('recipes: wake and message scripts as notify commands of a real job', async (t) => {
  const { run, root, base } = withRoot(t);
  const bin = fakeOpenclaw(base);
  const argvFile = join(base, 'openclaw.argv');
  // The notify command's login shell (sh -lc) may reset PATH: OPENCLAW, from the job's
  // environment, names the program.
  const env = { OPENCLAW: join(bin, 'openclaw'), OPENCLAW_ARGV: argvFile };
  const name = `nightly "tests" it's & more`;
  // Two scripts: stdin holds the event once, so keep it in a variable (as docs/recipes.md shows).
  const notify = `e=$(cat); printf '%s' "$e" | sh '${WAKE}' 'agent:main:main' && printf '%s' "$e" | sh '${MESSAGE}' telegram '@ops room'`;
  const { json } = await run(['run', '--wait', '--name', name, '--notify-command', notify, '--', 'sh', '-c', 'exit 3'], { env });
  const results = await deliveries(root, json.job_id);
  assert.deepEqual(results.map((r) => [r.sink, r.ok]), [['command', true]], JSON.stringify(results));
  const calls = readFileSync(argvFile, 'utf8').split('\n').filter(Boolean).map((l) => l.split('\0').slice(0, -1));
  const text = calls[0][4];
  assert.match(text, new RegExp(`^jobctl job "nightly "tests" it's & more" \\(${json.job_id.slice(0, 8)}\\) exited with code 3 \\(\\d+(ms|\\.\\ds)\\)\\. Details: jobctl status ${json.job_id}$`));
  assert.deepEqual(calls, [
    ['agent', '--session-id', 'agent:main:main', '--message', text, '--deliver'],
    ['message', 'send', '--channel', 'telegram', '--target', '@ops room', '--message', text],
  ]);
});

test('recipes: a failing openclaw is a failed delivery with its stderr; the job keeps its state', async (t) => {
  const { run, root, base } = withRoot(t);
  const bin = fakeOpenclaw(base);
  const env = { OPENCLAW_ARGV: join(base, 'openclaw.argv'), OPENCLAW_FAIL: '1' };
  // OPENCLAW given in the notify command itself.
  const { json } = await run(['run', '--wait', '--notify-command', `OPENCLAW='${bin}/openclaw' sh '${WAKE}' s1`, '--', 'true'], { env });
  assert.deepEqual([json.state, json.exit_code], ['exited', 0]);
  const [result] = await deliveries(root, json.job_id);
  assert.deepEqual([result.sink, result.ok, result.error], ['command', false, 'exit code 7: gateway unreachable']);

  const missing = await run(['run', '--wait', '--notify-command', `sh '${WAKE}' s1`, '--', 'true'], {
    env: { OPENCLAW: '/nonexistent/openclaw', OPENCLAW_ARGV: join(base, 'unused') },
  });
  const [gone] = await deliveries(root, missing.json.job_id);
  assert.equal(gone.ok, false);
  assert.match(gone.error, /^exit code 127: openclaw-wake\.sh: \/nonexistent\/openclaw not found \(PATH=.*\); set OPENCLAW to its path$/);
  assert.ok(!existsSync(join(base, 'unused')));
});
