// Infrastructure a test needs: skip with a message naming what is missing, or fail instead
// when JOBCTL_TEST_REQUIRE names it (CI sets it so that nothing passes by skipping).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const required = new Set((process.env.JOBCTL_TEST_REQUIRE ?? '').split(',').map((s) => s.trim()).filter(Boolean));

/** Returns true when the test may go on; otherwise skips it (or fails under JOBCTL_TEST_REQUIRE). */
export function need(t, name, available, missing) {
  if (available) return true;
  if (required.has(name)) assert.fail(`${name} is required (JOBCTL_TEST_REQUIRE) but missing: ${missing}`);
  t.skip(`${name} missing: ${missing}`);
  return false;
}

/** Debian's chromium, the browser of the dashboard's tests (playwright-core is pinned to its release). */
export const CHROMIUM = '/usr/bin/chromium';

/** True when chromium is installed; otherwise skips the test (or fails under JOBCTL_TEST_REQUIRE=chromium). */
export function needChromium(t) {
  return need(t, 'chromium', existsSync(CHROMIUM), `${CHROMIUM} not found (apt-get install chromium)`);
}

/**
 * Mounts a tmpfs of `size` on a new temp directory; returns { dir } or { error } when mounting
 * is not permitted. Unmounted and removed after the test.
 */
export function mountTmpfs(t, size) {
  const dir = mkdtempSync(join(tmpdir(), 'jobctl-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    return { error: String(err.stderr || err.message).trim() };
  }
  t.after(() => {
    // Supervisors may still be closing files on it: retry the unmount briefly, then detach it.
    let unmounted = false;
    for (let i = 0; i < 50 && !unmounted; i++) {
      try {
        execFileSync('umount', [dir], { stdio: 'pipe' });
        unmounted = true;
      } catch {
        execFileSync('sleep', ['0.1']);
      }
    }
    if (!unmounted) execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir };
}
