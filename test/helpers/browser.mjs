// A headless Chromium for the dashboard's tests (Debian's, driven by playwright-core), closed
// after the test.
import { chromium } from 'playwright-core';
import { CHROMIUM } from './infra.mjs';

export async function launchChromium(t) {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  t.after(() => browser.close());
  return browser;
}
