// Which `jobctl serve` processes serve a root now, and since when: one file per server,
// `<root>/.runners/serving/<pid>.json` ({pid, start_time, boot_id, up_since}), written once when
// it starts listening and removed when it closes. A runner job's lease counts only the silence
// a server was there to hear (executors/runner/target.ts): while no server is live, a silent
// runner is late, never lost; once one is back, the lease starts over from its `up_since`.
// Invariants: a server counts only while its process verifiably lives (pid, start time, boot
// id: a recycled pid or a SIGKILLed server does not count); the file of one that is gone is
// removed by whoever reads it. Nothing is written while a server runs, so a server never
// re-creates a root removed under it.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { nowIso } from '../util/time.js';
import { makeDirs } from '../util/make-dirs.js';
import { bootId, isSameLiveProcess, processStartTime } from '../util/proc.js';
import { readJsonIfPresent, writeJsonAtomic } from './atomic.js';
import { runnersDir } from './runner-spool.js';

interface ServePresence {
  pid: number;
  start_time: string;
  boot_id: string;
  up_since: string;
}

const servingDir = (root: string): string => join(runnersDir(root), 'serving');

/** Records that this process serves `root` from now on; returns what removes that record. */
export function announceServe(root: string): () => void {
  makeDirs(servingDir(root), 0o700);
  const path = join(servingDir(root), `${process.pid}.json`);
  const me: ServePresence = { pid: process.pid, start_time: processStartTime(process.pid) ?? '', boot_id: bootId(), up_since: nowIso() };
  writeJsonAtomic(path, me);
  return () => rmSync(path, { force: true });
}

/** Since when a live server has served `root` (epoch ms, the earliest among them); undefined while none does. */
export function servedSince(root: string): number | undefined {
  let names: string[];
  try {
    names = readdirSync(servingDir(root));
  } catch {
    return undefined;
  }
  let since: number | undefined;
  for (const name of names.filter((n) => /^\d+\.json$/.test(n))) {
    const path = join(servingDir(root), name);
    const p = readJsonIfPresent<ServePresence>(path);
    if (p === undefined) continue;
    if (p.boot_id !== bootId() || !isSameLiveProcess(p.pid, p.start_time)) {
      rmSync(path, { force: true });
      continue;
    }
    const at = Date.parse(p.up_since) || 0;
    since = since === undefined ? at : Math.min(since, at);
  }
  return since;
}
