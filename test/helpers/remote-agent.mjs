// Shared end-to-end checks of remote executors: an agent-like job (created as `cat`, then given
// meta.agent and a prompt file, as the CLI will do for --prompt) whose prompt must reach the
// remote process's stdin and no command line; and the `resources` a remote supervisor samples.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { allCmdlines, assertMatchesSchema, waitFor } from './jobctl.mjs';

/** A prompt that breaks naive quoting: quotes, `$(...)`, a here-document delimiter, non-UTF-8 bytes. */
export function trickyPrompt() {
  const marker = `prompt-marker-${randomBytes(6).toString('hex')}`;
  const prompt = Buffer.concat([
    Buffer.from(`${marker} it's "quoted" \`x\` \\ $HOME $(touch /tmp/${marker})\nJOBCTL_PROMPT_END\nEOF\n`),
    Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x0d, 0x0a]),
    Buffer.from('é'.repeat(3000) + '\nno final newline'),
  ]);
  return { marker, prompt };
}

/**
 * Creates `cat` on `executor` as an agent job with `prompt`, starts it with --wait while every
 * process's command line is watched for `marker`; returns the finished job and the sightings.
 */
export async function runAgentJob(run, root, executor, { marker, prompt }) {
  const created = (await run(['create', '--executor', executor, '--', 'cat'])).json;
  const dir = join(root, created.job_id);
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
  meta.agent = { name: 'claude', binary: 'cat', cli_limits_turns: true, prompt_bytes: prompt.length };
  writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
  writeFileSync(join(dir, 'prompt.txt'), prompt, { mode: 0o600 });
  const seen = [];
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      for (const line of allCmdlines()) if (line.includes(marker)) seen.push(line);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  let done;
  try {
    done = (await run(['start', created.job_id, '--wait'])).json;
  } finally {
    watching = false;
    await watcher;
  }
  return { done, dir, seen };
}

/** The common assertions: exact bytes on stdout, nothing in any argv, private copies. */
export function assertPromptDelivered({ done, dir, seen }, { marker, prompt }) {
  assert.equal(done.state, 'exited', JSON.stringify(done));
  assert.equal(done.exit_code, 0);
  assert.deepEqual(readFileSync(join(dir, 'stdout.log')), prompt);
  assert.deepEqual(seen, [], 'the prompt appeared in a command line');
  assert.ok(!existsSync(`/tmp/${marker}`), 'the prompt was run as shell text');
}

/** Mode bits of a file (for the prompt's copies). */
export const modeOf = (path) => statSync(path).mode & 0o777;

/**
 * Runs a CPU burner on `executor`; `status.resources` must appear with `source`, show the CPU
 * and memory in use, and advance between two samples; after `kill` it is gone.
 */
export async function assertRemoteResources(run, executor, source) {
  const { json } = await run(['run', '--executor', executor, '--snapshot-after', '0', '--', 'sh', '-c', 'while :; do :; done']);
  const statusOf = async () => (await run(['status', json.job_id])).json;
  const first = await waitFor(async () => {
    const st = await statusOf();
    return st.resources?.cpu_percent > 10 ? st : undefined;
  }, { timeoutMs: 40_000, intervalMs: 200, what: 'a resource sample showing the busy loop' });
  assertMatchesSchema('status', first);
  const r = first.resources;
  assert.equal(r.source, source);
  assert.ok(r.rss_bytes > 0, JSON.stringify(r));
  assert.ok(r.processes >= 1, JSON.stringify(r));
  assert.ok(r.cpu_seconds > 0, JSON.stringify(r));
  assert.match(r.sampled_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  const second = await waitFor(async () => {
    const st = await statusOf();
    return st.resources && st.resources.sampled_at !== r.sampled_at ? st : undefined;
  }, { timeoutMs: 30_000, intervalMs: 200, what: 'a second resource sample' });
  assert.ok(second.resources.uptime_ms > r.uptime_ms, `${second.resources.uptime_ms} > ${r.uptime_ms}`);
  assert.ok(second.resources.cpu_seconds >= r.cpu_seconds);
  const killed = (await run(['kill', json.job_id])).json;
  assert.equal(killed.state, 'killed');
  const after = await statusOf();
  assert.equal(after.resources, undefined, 'resources of an ended job');
  return { first, second };
}
