// The keys of an [executors.NAME] table with type = "container".
import { COMMON_KEYS, LABEL, type Reader } from '../config-reader.js';
import type { ContainerExecutor } from '../types.js';

export function containerExecutor(r: Reader): ContainerExecutor {
  r.only(['type', 'runtime', 'image', 'volumes', 'workdir', 'network', 'labels', 'env', ...COMMON_KEYS]);
  const runtime = r.string('runtime') ?? 'docker';
  if (runtime !== 'docker' && runtime !== 'podman') r.fail('runtime', 'must be "docker" or "podman"');
  const image = r.string('image', true);
  if (image.startsWith('-')) r.fail('image', 'must be an image reference');
  const def: ContainerExecutor = { type: 'container', runtime, image, volumes: r.strings('volumes'), labels: r.strings('labels', LABEL), env: r.env() };
  for (const v of def.volumes) if (v.startsWith('-')) r.fail('volumes', `${JSON.stringify(v)} is not a volume (SRC:DST[:OPTS])`);
  const workdir = r.string('workdir');
  if (workdir !== undefined && !workdir.startsWith('/')) r.fail('workdir', 'must be an absolute path in the container');
  if (workdir !== undefined) def.workdir = workdir;
  const network = r.string('network');
  if (network !== undefined) {
    if (network.startsWith('-')) r.fail('network', 'must be a network name');
    def.network = network;
  }
  r.limit(def);
  return def;
}
