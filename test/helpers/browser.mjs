// The dashboard's tests: a real `jobctl serve` on a free loopback port over a test root, and a
// headless Chromium (Debian's, driven by playwright-core) closed after the test.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';
import { BIN, testEnv } from './jobctl.mjs';
import { CHROMIUM } from './infra.mjs';

/** Starts `jobctl serve --listen LISTEN` (a free port by default) with `token`; resolves { url, child } at its ready line. */
export async function startServe(t, root, token, listen = '127.0.0.1:0') {
  const child = spawn(BIN, ['serve', '--listen', listen], { env: { ...testEnv(root), JOBCTL_TOKEN: token }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = once(child, 'exit');
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  });
  const lines = createInterface({ input: child.stdout });
  const ready = await Promise.race([
    once(lines, 'line').then(([line]) => JSON.parse(line)),
    exited.then(([code, signal]) => { throw new Error(`jobctl serve ended (${code ?? signal}) before its ready line: ${stderr}`); }),
  ]);
  if (ready.ok !== true || typeof ready.url !== 'string') throw new Error(`jobctl serve is not ready: ${JSON.stringify(ready)} ${stderr}`);
  return { url: ready.url, child };
}

/** A headless Chromium, closed after the test. */
export async function launchChromium(t) {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  t.after(() => browser.close());
  return browser;
}
