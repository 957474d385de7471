// `executors [--probe]`: the configured executors (local is always there); with --probe, each
// is checked for real and reported `available`, with the reason when it is not. A runner
// executor shows when its runner last called this root's server, and its version.
import { optBool } from '../command-support/args.js';
import type { ExecutorDef } from '../executors/types.js';
import type { CommandDef } from '../command-support/types.js';
import { readContact } from '../store/runner-contact.js';

function describeExecutor(name: string, def: ExecutorDef, isDefault: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { name, type: def.type, labels: def.labels, default: isDefault };
  if (def.type === 'ssh') {
    out['host'] = def.host;
    if (def.port !== undefined) out['port'] = def.port;
    if (def.user !== undefined) out['user'] = def.user;
    if (def.workdir !== undefined) out['workdir'] = def.workdir;
  } else if (def.type === 'container') {
    out['runtime'] = def.runtime;
    out['image'] = def.image;
    if (def.workdir !== undefined) out['workdir'] = def.workdir;
  } else if (def.type === 'local') {
    if (def.workdir !== undefined) out['workdir'] = def.workdir;
  } else if (def.type === 'slurm') {
    if (def.partition !== undefined) out['partition'] = def.partition;
    if (def.workdir !== undefined) out['workdir'] = def.workdir;
  }
  if (def.max_concurrent !== undefined) out['max_concurrent'] = def.max_concurrent;
  return out;
}

/** A runner's last contact with this root's server, its version and the labels it announced. */
function runnerContact(root: string, name: string): Record<string, unknown> {
  const contact = readContact(root, name);
  if (contact === undefined) return {};
  return { last_contact: contact.last_contact, ...(contact.version !== undefined ? { version: contact.version } : {}), ...(contact.labels !== undefined ? { runner_labels: contact.labels } : {}) };
}

export const executorsCommand: CommandDef = {
  command: 'executors',
  describe: 'list the configured executors (--probe: check each for real)',
  type: 'executors',
  usesRoot: false,
  options: { probe: { type: 'boolean', describe: 'check that each executor answers' } },
  async handler(args, ctx) {
    const probe = optBool(args, 'probe');
    const { config } = ctx.config();
    const entries = Object.entries(config.executors);
    const rows = entries.map(([name, def]) => ({ ...describeExecutor(name, def, name === config.defaults.executor), ...(def.type === 'runner' ? runnerContact(ctx.root, name) : {}) }));
    if (probe) {
      const { probeExecutor } = await import('../executors/probe.js');
      const results = await Promise.all(entries.map(([, def]) => probeExecutor(def)));
      results.forEach((r, i) => Object.assign(rows[i] as Record<string, unknown>, r));
    }
    return { default: config.defaults.executor, executors: rows, probed: probe };
  },
};
