// Resource use of a running container, read on this machine: `inspect` gives the host pid of
// the container's init process, whose process tree is summed from /proc (util/resources.ts),
// the same figures as a local job's. A pid is only trusted when this machine's /proc shows it
// in a cgroup named after the container id: a remote engine (DOCKER_HOST=tcp://...) has pids
// of another machine, and then no sample is taken. One inspect (~50 ms) and one /proc scan:
// unlike `stats --no-stream` (1-2 s, rounded human units), nothing waits for a second reading.
import { inCgroupNamed, treeResources, type Resources } from '../../util/resources.js';
import { cliFailure, runtimeCli } from './cli.js';

export async function containerResources(runtime: string, ref: string, timeoutMs: number): Promise<Resources | undefined> {
  const r = await runtimeCli(runtime, ['container', 'inspect', '--format', '{{.Id}} {{.State.Pid}}', ref], { timeoutMs });
  if (r.code !== 0) throw cliFailure(runtime, 'inspect', r);
  const [id = '', pidText = ''] = r.stdout.trim().split(' ');
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0 || !/^[0-9a-f]{12,64}$/.test(id) || !inCgroupNamed(pid, id)) return undefined;
  return treeResources(pid);
}
