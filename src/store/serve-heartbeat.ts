// The heartbeat of `jobctl serve` on a root: `<root>/.runners/serve.json` ({up_since, beat_at,
// pid}), rewritten every HEARTBEAT_EVERY_MS while a server serves the root. A runner job's lease
// counts only the silence a server was there to hear (executors/runner/target.ts): while no
// server beats, a silent runner is late, never lost; once one beats again, the lease starts
// over from `up_since`.
// Invariants: `up_since` is kept from the file while its last beat is fresh (several servers on
// one root, or one restarted within BEAT_STALE_MS, count as one uninterrupted presence) and set
// anew otherwise. Written unsynced: a beat lost to a crash is the next one's to write.
import { join } from 'node:path';
import { nowIso } from '../util/time.js';
import { makeDirs } from '../util/make-dirs.js';
import { readJsonIfPresent } from './atomic.js';
import { runnersDir, writeSoftJson } from './runner-spool.js';

export const HEARTBEAT_EVERY_MS = 1000;
/** A heartbeat older than this says no server is serving the root. */
export const BEAT_STALE_MS = 3500;

export interface ServeHeartbeat {
  up_since: string;
  beat_at: string;
  pid: number;
}

const heartbeatPath = (root: string): string => join(runnersDir(root), 'serve.json');

const freshAt = (beat: ServeHeartbeat | undefined, now: number): beat is ServeHeartbeat =>
  beat !== undefined && Math.abs(now - (Date.parse(beat.beat_at) || 0)) <= BEAT_STALE_MS;

/** Records that a server serves `root` now. */
export function beatServe(root: string): void {
  const before = readJsonIfPresent<ServeHeartbeat>(heartbeatPath(root));
  const at = nowIso();
  makeDirs(runnersDir(root), 0o700);
  writeSoftJson(heartbeatPath(root), { up_since: freshAt(before, Date.parse(at)) ? before.up_since : at, beat_at: at, pid: process.pid } satisfies ServeHeartbeat);
}

/** Since when a server has served `root` without a break (epoch ms); undefined while none does. */
export function servedSince(root: string, now = Date.now()): number | undefined {
  const beat = readJsonIfPresent<ServeHeartbeat>(heartbeatPath(root));
  return freshAt(beat, now) ? Date.parse(beat.up_since) || now : undefined;
}
