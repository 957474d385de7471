// `executors [--probe]`: the configured executors (local is always there); with --probe, each
// is checked for real and reported `available`, with the reason when it is not. A runner
// executor shows when its runner last called this root's server, and its version. A cloud
// executor lists its live instances; `executors down NAME` destroys those no job runs on.
import { optBool, optString } from '../command-support/args.js';
import { JobError } from '../errors.js';
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
  } else if (def.type === 'cloud') {
    out['provider'] = def.provider;
    out['per_job'] = def.per_job;
    out['idle_timeout_ms'] = def.idle_timeout_ms;
    if (def.max_instances !== undefined) out['max_instances'] = def.max_instances;
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
  command: 'executors [action] [name]',
  describe: 'list the configured executors and live cloud instances (--probe: check each for real; down NAME: destroy its idle instances)',
  type: 'executors',
  usesRoot: false,
  options: { probe: { type: 'boolean', describe: 'check that each executor answers' } },
  async handler(args, ctx) {
    const action = optString(args, 'action');
    const down = action === undefined ? undefined : await takeDownCommand(action, optString(args, 'name'), ctx);
    const probe = optBool(args, 'probe');
    const { config } = ctx.config();
    const entries = Object.entries(config.executors);
    const rows = entries.map(([name, def]) => ({ ...describeExecutor(name, def, name === config.defaults.executor), ...(def.type === 'runner' ? runnerContact(ctx.root, name) : {}) }));
    const cloud = entries.some(([, def]) => def.type === 'cloud') ? await import('../executors/cloud/api.js') : undefined;
    if (cloud !== undefined) entries.forEach(([name, def], i) => {
      if (def.type === 'cloud') (rows[i] as Record<string, unknown>)['instances'] = cloud.listInstances(ctx.root, name);
    });
    // A reaper that died (killed, crashed) is started again by whoever looks at the instances.
    if (cloud !== undefined || down !== undefined) (await import('../supervisor/start.js')).ensureCloudReaperRuns(ctx.root);
    if (probe) {
      const { probeExecutor } = await import('../executors/probe.js');
      const results = await Promise.all(entries.map(([, def]) => probeExecutor(def)));
      results.forEach((r, i) => Object.assign(rows[i] as Record<string, unknown>, r));
    }
    return { ...down, default: config.defaults.executor, executors: rows, probed: probe };
  },
};

/** `executors down NAME`: destroys the executor's instances no live job runs on. */
async function takeDownCommand(action: string, name: string | undefined, ctx: Parameters<CommandDef['handler']>[1]): Promise<Record<string, unknown>> {
  if (action !== 'down') throw new JobError('usage_error', `unknown executors action ${JSON.stringify(action)} (known: down)`, { action });
  if (name === undefined) throw new JobError('usage_error', 'executors down needs the name of a cloud executor', {});
  const { executorsWithInstances, takeDown } = await import('../executors/cloud/api.js');
  const def = ctx.config().config.executors[name];
  if (def?.type !== 'cloud' && !executorsWithInstances(ctx.root).includes(name)) {
    throw new JobError('executor_not_found', `no cloud executor named ${JSON.stringify(name)} has instances`, { executor: name });
  }
  const result = await takeDown(ctx.root, name);
  return { action: 'down', executor: name, ...result };
}
