// `executors --probe` for a container executor: the runtime's version and the image.
import type { ContainerExecutor } from '../types.js';
import { firstLine, run, type ProbeResult } from '../probe-run.js';

export async function probeContainer(def: ContainerExecutor): Promise<ProbeResult> {
  const version = await run(def.runtime, ['version', '--format', def.runtime === 'docker' ? '{{.Server.Version}}' : '{{.Version}}']).catch((err: Error) => ({ ok: false, out: '', err: err.message }));
  if (!version.ok) return { available: false, reason: `${def.runtime}: ${version.err}` };
  const image = await run(def.runtime, ['image', 'inspect', '--format', '{{.Id}}', def.image]);
  if (!image.ok) return { available: false, reason: `image ${def.image} is not present: ${image.err}`, detail: `${def.runtime} ${firstLine(version.out)}` };
  return { available: true, detail: `${def.runtime} ${firstLine(version.out)}` };
}
