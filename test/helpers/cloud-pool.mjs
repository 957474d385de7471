// A pool of "cloud instances" for the cloud executor tests: network-namespace hosts, each with
// its own sshd (netns.mjs, sshd.mjs). The provision script takes a free host (mkdir of its
// `taken` marker, atomic) and prints it as the command provider's JSON; the destroy script gives
// it back — by id, or by the instance's name when jobctl knows only that. A host still taken
// after the test is a leaked instance.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNetnsHost } from './netns.mjs';
import { startSshd } from './sshd.mjs';
import { onCleanup } from './daemon.mjs';

/** Starts `size` hosts; returns { dir, hosts, provision, destroy, taken(), destroyedNames(), set(flag, value), clear(flag) } or undefined (skipped). */
export async function startCloudPool(t, size) {
  const hosts = [];
  for (let i = 0; i < size; i++) {
    const netns = await startNetnsHost(t);
    if (!netns) return undefined;
    const sshd = await startSshd(t, { netns });
    if (!sshd) return undefined;
    hosts.push(sshd);
  }
  const dir = mkdtempSync(join(tmpdir(), 'jobctl-cloud-pool-'));
  onCleanup(`cloud pool ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  for (const [i, h] of hosts.entries()) {
    mkdirSync(join(dir, `h${i}`), { recursive: true });
    writeFileSync(join(dir, `h${i}`, 'instance.json'), JSON.stringify({ instance_id: `h${i}`, host: h.host, port: h.port, user: h.user, identity_file: h.identityFile, hourly_cost: 0.36 }));
  }
  const provision = join(dir, 'provision.sh');
  writeFileSync(provision, `#!/bin/sh
P=${dir}
if [ -e "$P/fail-provision" ]; then echo "$(cat "$P/fail-provision")" >&2; exit 1; fi
if [ -e "$P/hang-before-create" ]; then
  echo $$ > "$P/hung.pid"
  while [ -e "$P/hang-before-create" ]; do sleep 0.1; done
fi
for d in "$P"/h*; do
  if mkdir "$d/taken" 2>/dev/null; then
    echo "$JOBCTL_INSTANCE_NAME" > "$d/taken/name"
    if [ -e "$P/hang-after-create" ]; then echo $$ > "$d/taken/pid"; sleep 600; fi
    cat "$d/instance.json"; echo
    exit 0
  fi
done
echo "no host left in the pool" >&2
exit 1
`);
  const destroy = join(dir, 'destroy.sh');
  writeFileSync(destroy, `#!/bin/sh
P=${dir}
cat > "$P/destroy-stdin.last"
if [ -s "$P/destroy-failures" ]; then
  n=$(cat "$P/destroy-failures")
  if [ "$n" -gt 0 ]; then echo $((n - 1)) > "$P/destroy-failures"; echo "API timeout while deleting" >&2; exit 1; fi
fi
if [ -n "$JOBCTL_INSTANCE_ID" ]; then
  rm -rf "$P/$JOBCTL_INSTANCE_ID/taken"
else
  for d in "$P"/h*; do
    if [ "$(cat "$d/taken/name" 2>/dev/null)" = "$JOBCTL_INSTANCE_NAME" ]; then rm -rf "$d/taken"; fi
  done
fi
echo "$JOBCTL_INSTANCE_NAME \${JOBCTL_INSTANCE_ID:-by-name}" >> "$P/destroyed"
`);
  chmodSync(provision, 0o755);
  chmodSync(destroy, 0o755);
  return {
    dir,
    hosts,
    provision,
    destroy,
    /** Names of the instances holding a host now. */
    taken: () => readdirSync(dir).filter((n) => /^h\d+$/.test(n) && existsSync(join(dir, n, 'taken'))).map((n) => {
      try { return readFileSync(join(dir, n, 'taken', 'name'), 'utf8').trim(); } catch { return '(being taken)'; }
    }),
    destroyed: () => (existsSync(join(dir, 'destroyed')) ? readFileSync(join(dir, 'destroyed'), 'utf8').trim().split('\n') : []),
    /** Pids of provision scripts still hanging (hang-after-create). */
    hung: () => [...readdirSync(dir).filter((n) => /^h\d+$/.test(n)).map((n) => join(n, 'taken', 'pid')), 'hung.pid'].map((f) => {
      try { return Number(readFileSync(join(dir, f), 'utf8')); } catch { return undefined; }
    }).filter((pid) => pid !== undefined && existsSync(`/proc/${pid}`)),
    /** Gives back the host an instance holds (a test's cleanup, after jobctl had its chance). */
    release: (name) => {
      for (const n of readdirSync(dir).filter((x) => /^h\d+$/.test(x))) {
        try { if (readFileSync(join(dir, n, 'taken', 'name'), 'utf8').trim() === name) rmSync(join(dir, n, 'taken'), { recursive: true, force: true }); } catch { /* free */ }
      }
    },
    /** SIGKILLs the process group of every hanging provision script (a test's cleanup). */
    killHung() {
      const pgrp = (pid) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[2]);
      const own = pgrp('self');
      for (const pid of this.hung()) {
        try {
          const pgid = pgrp(pid);
          if (pgid !== own) process.kill(-pgid, 'SIGKILL');
          else process.kill(pid, 'SIGKILL');
        } catch { /* gone */ }
      }
    },
    set: (flag, value = '') => writeFileSync(join(dir, flag), value),
    clear: (flag) => { try { unlinkSync(join(dir, flag)); } catch { /* none */ } },
  };
}
