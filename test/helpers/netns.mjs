// A test host behind a link that tests can cut: a network namespace joined to the root one by a
// veth pair (root side 10.77.N.1/24, namespace side 10.77.N.2/24 as eth0).
//
// Traffic rule: 10.77.0.0/16 gets an `unreachable` route before any namespace exists, so a
// namespace address whose link is down can never fall through to the default route.
//
// The plumbing it uses (commands, daemons, the cleanup stack, claims) is in proc.mjs and daemon.mjs.
import { execFileSync } from 'node:child_process';
import { claim, needInfra, release, stopper } from './daemon.mjs';
import { check, exec, isRoot, missingCommands, tcpProbe, terminate, waitFor } from './proc.mjs';

let netnsCounter = 0;
let unreachableRoute;

async function ensureUnreachableRoute() {
  unreachableRoute ??= (async () => {
    const r = await exec('ip', ['route', 'add', 'unreachable', '10.77.0.0/16', 'metric', '4000']);
    if (r.code !== 0 && !/File exists/.test(r.stderr)) throw new Error(`ip route add unreachable 10.77.0.0/16: ${r.stderr.trim()}`);
  })();
  return unreachableRoute;
}

/**
 * Starts a network namespace host for the test file. Returns
 *   { ns, address, hostAddress, subnet, hostIf, cut(), heal(), exec(argv, opts), wrap(argv), probe(port, ms), stop() }
 * or undefined after needInfra(t, 'netns', ...) when namespaces cannot be made here.
 * `address` is the namespace side (10.77.N.2), `hostAddress` the root side (10.77.N.1).
 * cut() downs eth0 inside the namespace; heal() ups it and waits until the namespace answers
 * again (every port in `services`, which startSshd fills, accepts connections).
 */
export async function startNetnsHost(t) {
  const missing = missingCommands(['ip']);
  if (!needInfra(t, 'netns', missing.length === 0 && isRoot(), missing.length ? `not installed: ${missing.join(', ')}` : 'not running as root')) return undefined;

  const k = netnsCounter++;
  const ns = `jct-${process.pid}-${k}`;
  const hostIf = `jct${process.pid}h${k}`;
  const peerIf = `jct${process.pid}n${k}`;
  let n;
  let nsCreated = false;

  const deleteSync = () => {
    try { execFileSync('ip', ['link', 'del', hostIf], { stdio: 'ignore' }); } catch { /* gone */ }
    for (const pid of nsPidsSync()) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
    try { execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' }); } catch { /* gone */ }
    if (n !== undefined) release(`subnet-${n}`);
  };
  const nsPidsSync = () => {
    if (!nsCreated) return [];
    try {
      return execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  };

  const stop = stopper(`netns ${ns}`, async () => {
    const errors = [];
    await exec('ip', ['link', 'del', hostIf]);
    if (nsCreated) {
      // Anything still inside (sessions left by the sshd in it) was started by the tests.
      const left = await terminate(nsPidsSync(), { timeout: 3000 });
      if (left.length) errors.push(`processes still in ${ns}: ${left.join(' ')}`);
      const r = await exec('ip', ['netns', 'del', ns]);
      if (r.code !== 0) errors.push(`ip netns del ${ns}: ${r.stderr.trim()}`);
    }
    if (n !== undefined) release(`subnet-${n}`);
    if (errors.length) throw new Error(errors.join('; '));
  });
  stop.register(deleteSync);

  try {
    await ensureUnreachableRoute();
    // A /24 no other live fixture (of any process) holds.
    const start = (process.pid * 7 + k) % 254;
    for (let i = 0; i < 254 && n === undefined; i++) {
      const cand = ((start + i) % 254) + 1;
      if (claim(`subnet-${cand}`)) {
        const used = await check('ip', ['-o', '-4', 'addr', 'show']);
        if (used.includes(` 10.77.${cand}.`)) release(`subnet-${cand}`);
        else n = cand;
      }
    }
    if (n === undefined) throw new Error('no free 10.77.N.0/24 subnet');
    const steps = [
      ['netns', 'add', ns],
      ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', peerIf, 'netns', ns],
      ['-n', ns, 'link', 'set', peerIf, 'name', 'eth0'],
      ['addr', 'add', `10.77.${n}.1/24`, 'dev', hostIf],
      ['link', 'set', hostIf, 'up'],
      ['-n', ns, 'addr', 'add', `10.77.${n}.2/24`, 'dev', 'eth0'],
      ['-n', ns, 'link', 'set', 'lo', 'up'],
      ['-n', ns, 'link', 'set', 'eth0', 'up'],
    ];
    for (const args of steps) {
      await check('ip', args);
      if (args[1] === 'add' && args[0] === 'netns') nsCreated = true;
    }
  } catch (err) {
    await stop().catch(() => {});
    if (!needInfra(t, 'netns', false, `cannot create a network namespace: ${err.message}`)) return undefined;
  }

  const address = `10.77.${n}.2`;
  const host = {
    ns,
    address,
    hostAddress: `10.77.${n}.1`,
    subnet: `10.77.${n}.0/24`,
    hostIf,
    /** Ports of services inside the namespace that heal() waits for. */
    services: [],
    probe: (port, ms = 1000) => tcpProbe(address, port, ms),
    /** argv prefixed to run inside the namespace. */
    wrap: (argv) => ['ip', 'netns', 'exec', ns, ...argv],
    /** Runs argv inside the namespace; resolves { code, signal, stdout, stderr }. */
    exec: (argv, opts) => exec('ip', ['netns', 'exec', ns, ...argv], opts),
    async cut() {
      await check('ip', ['-n', ns, 'link', 'set', 'eth0', 'down']);
    },
    async heal({ timeout = 15_000 } = {}) {
      await check('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
      await waitFor(`netns ${ns} reachable again`, async () => {
        if (host.services.length) {
          const results = await Promise.all(host.services.map((p) => tcpProbe(address, p, 500)));
          return results.every((r) => r === 'open');
        }
        // Nothing listens on port 9: a reset proves the namespace answers.
        return ['open', 'refused'].includes(await tcpProbe(address, 9, 500));
      }, { timeout });
    },
    stop,
  };
  // The namespace answers from the root side before anyone uses it.
  await waitFor(`netns ${ns} reachable`, async () => ['open', 'refused'].includes(await tcpProbe(address, 9, 500)), { timeout: 10_000 });
  return host;
}
