// The fake coding-agent CLIs of test/fixtures/agents: where they are, the environment that makes
// them quick and isolated, and a PATH of busybox applets only (to run them as in a container).
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT } from './jobctl.mjs';

export const FAKE_AGENTS_DIR = join(PROJECT, 'test', 'fixtures', 'agents');
export const BUSYBOX = '/bin/busybox';

/** The only commands the fakes may run besides shell builtins. */
export const FAKE_AGENT_COMMANDS = ['cat', 'sleep', 'printf', 'mkdir', 'rm', 'date', 'env', 'tr', 'head', 'wc', 'od', 'ls'];

/**
 * Environment for a fake: sessions under `home`, no delay unless given, a non-root uid for
 * claude's root check, no inherited CLAUDECODE / FAKE_AGENT_* / IS_SANDBOX.
 */
export function fakeAgentEnv({ home, log, delay = '0', uid = '1000', extra = {} } = {}) {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (key === 'CLAUDECODE' || key === 'IS_SANDBOX' || key.startsWith('FAKE_AGENT_')) delete env[key];
  }
  if (home !== undefined) env.FAKE_AGENT_HOME = home;
  if (log !== undefined) env.FAKE_AGENT_LOG = log;
  if (delay !== undefined) env.FAKE_AGENT_DELAY = delay;
  if (uid !== undefined) env.FAKE_AGENT_UID = uid;
  // An `extra` value of undefined removes that variable.
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** A directory of busybox applet links for exactly FAKE_AGENT_COMMANDS (use it as PATH). */
export function busyboxBin(dir) {
  const bin = join(dir, 'busybox-bin');
  mkdirSync(bin, { recursive: true });
  for (const cmd of FAKE_AGENT_COMMANDS) symlinkSync(BUSYBOX, join(bin, cmd));
  return bin;
}
