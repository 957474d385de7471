// provider = "command": any cloud's CLI behind two shell commands.
// - provision: run with JOBCTL_INSTANCE_NAME (the name jobctl chose) and JOBCTL_EXECUTOR; prints
//   one JSON object {instance_id, host, port?, user?, identity_file?, hourly_cost?}. A command
//   that exits non-zero is taken to have made nothing; one that times out or prints no usable
//   object may have, and is answered with a destroy by name.
// - destroy: gets the provision command's object (every field it printed) plus `name` as JSON on
//   stdin, JOBCTL_INSTANCE_ID (empty when a crash left
//   only the name) and JOBCTL_INSTANCE_NAME; exit 0 confirms the instance is gone (also when
//   there was none).
// Both run in a process group of their own (command-group.ts), recorded in the instance record
// before they start.
import type { CloudExecutor } from '../types.js';
import type { InstanceAddress } from '../../store/cloud-instances.js';
import { ProvisionError, type CloudProvider, type InstanceRef } from './provider.js';
import { runCommandGroup } from './command-group.js';

const SAFE_WORD = /^[^\s-][^\s]*$/;

/** The provision command's answer, checked field by field; throws a message naming the field. */
export function parseInstance(stdout: string): InstanceAddress & { instance_id: string; host: string } {
  const lines = stdout.trim().split('\n');
  let obj: unknown;
  for (const text of [stdout.trim(), lines[lines.length - 1] ?? '']) {
    try {
      obj = JSON.parse(text);
      break;
    } catch {
      // The whole output, else its last line (a CLI that talks before answering).
    }
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new Error('it printed no JSON object');
  const o = obj as Record<string, unknown>;
  const id = typeof o['instance_id'] === 'number' ? String(o['instance_id']) : o['instance_id'];
  if (typeof id !== 'string' || id === '' || /[\0\n]/.test(id)) throw new Error('instance_id must be a non-empty string');
  const out: InstanceAddress & { instance_id: string; host: string } = { instance_id: id, host: '', answer: o };
  if (typeof o['host'] !== 'string' || !SAFE_WORD.test(o['host'])) throw Object.assign(new Error('host must be a host name or address'), { instanceId: id });
  out.host = o['host'];
  const port = o['port'];
  if (port !== undefined && !(Number.isInteger(port) && (port as number) >= 1 && (port as number) <= 65535)) throw Object.assign(new Error('port must be an integer from 1 to 65535'), { instanceId: id });
  if (port !== undefined) out.port = port as number;
  for (const key of ['user', 'identity_file'] as const) {
    const v = o[key];
    if (v === undefined) continue;
    if (typeof v !== 'string' || !SAFE_WORD.test(v) || (key === 'user' && v.includes('@'))) throw Object.assign(new Error(`${key} must be a plain word`), { instanceId: id });
    out[key] = v;
  }
  const cost = o['hourly_cost'];
  if (cost !== undefined && !(typeof cost === 'number' && Number.isFinite(cost) && cost >= 0)) throw Object.assign(new Error('hourly_cost must be a number ≥ 0'), { instanceId: id });
  if (cost !== undefined) out.hourly_cost = cost;
  return out;
}

export function commandProvider(def: CloudExecutor): CloudProvider {
  const baseEnv = (ref: { name: string; executor: string }): Record<string, string> => ({ JOBCTL_INSTANCE_NAME: ref.name, JOBCTL_EXECUTOR: ref.executor });
  return {
    async provision(ref, options) {
      const r = await runCommandGroup(def.provision as string, baseEnv(ref), Math.max(1000, options.deadlineMs - Date.now()), '', options.recordGroup);
      if (!r.ok) throw new ProvisionError(`the provision command ${r.why}`, undefined, r.timedOut);
      try {
        return parseInstance(r.stdout);
      } catch (err) {
        const id = (err as { instanceId?: string }).instanceId;
        throw new ProvisionError(`the provision command's answer is unusable: ${(err as Error).message}`, id !== undefined ? { instance_id: id } : undefined, id === undefined);
      }
    },
    async destroy(ref: InstanceRef, options) {
      // The provision command's own object, with jobctl's name for the instance (and its id when
      // a crash left only what jobctl knows).
      const instance: Record<string, unknown> = { ...(ref.answer ?? {}), name: ref.name };
      for (const key of ['instance_id', 'host', 'port', 'user'] as const) if (instance[key] === undefined && ref[key] !== undefined) instance[key] = ref[key];
      const r = await runCommandGroup(def.destroy as string, { ...baseEnv(ref), JOBCTL_INSTANCE_ID: ref.instance_id ?? '' }, Math.max(1000, options.deadlineMs - Date.now()), JSON.stringify(instance) + '\n', options.recordGroup);
      if (!r.ok) throw new Error(`the destroy command ${r.why}`);
    },
  };
}
