// provider = "command": any cloud's CLI behind two shell commands.
// - provision: run with JOBCTL_INSTANCE_NAME (the name jobctl chose) and JOBCTL_EXECUTOR; prints
//   one JSON object {instance_id, host, port?, user?, identity_file?, hourly_cost?}. A command
//   that exits non-zero is taken to have made nothing; one that times out or prints no usable
//   object may have, and is answered with a destroy by name.
// - destroy: gets the instance as JSON on stdin, JOBCTL_INSTANCE_ID (empty when a crash left
//   only the name) and JOBCTL_INSTANCE_NAME; exit 0 confirms the instance is gone (also when
//   there was none).
import { execa } from 'execa';
import type { CloudExecutor } from '../types.js';
import type { InstanceAddress } from '../../store/cloud-instances.js';
import { ProvisionError, type CloudProvider, type InstanceRef } from './provider.js';

const DESTROY_TIMEOUT_MS = 120_000;

async function runCommand(command: string, env: Record<string, string>, timeoutMs: number, input = ''): Promise<{ ok: boolean; timedOut: boolean; stdout: string; why: string }> {
  const r = await execa('sh', ['-c', command], {
    input, env, timeout: timeoutMs, forceKillAfterDelay: 2000, reject: false, cleanup: true, stripFinalNewline: false, maxBuffer: 1024 * 1024,
  });
  const stderr = typeof r.stderr === 'string' ? r.stderr.trim().slice(0, 500) : '';
  const why = r.timedOut ? `timed out after ${timeoutMs}ms` : r.exitCode !== 0 ? `exited ${r.exitCode ?? r.signal ?? '?'}${stderr ? `: ${stderr}` : ''}` : '';
  return { ok: r.exitCode === 0 && !r.timedOut, timedOut: r.timedOut, stdout: typeof r.stdout === 'string' ? r.stdout : '', why };
}

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
  const out: InstanceAddress & { instance_id: string; host: string } = { instance_id: id, host: '' };
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
    async provision(ref, deadlineMs) {
      const r = await runCommand(def.provision as string, baseEnv(ref), Math.max(1000, deadlineMs - Date.now()));
      if (!r.ok) throw new ProvisionError(`the provision command ${r.why}`, undefined, r.timedOut);
      try {
        return parseInstance(r.stdout);
      } catch (err) {
        const id = (err as { instanceId?: string }).instanceId;
        throw new ProvisionError(`the provision command's answer is unusable: ${(err as Error).message}`, id !== undefined ? { instance_id: id } : undefined, id === undefined);
      }
    },
    async destroy(ref: InstanceRef) {
      const instance: Record<string, unknown> = { ...ref };
      delete instance['executor'];
      const r = await runCommand(def.destroy as string, { ...baseEnv(ref), JOBCTL_INSTANCE_ID: ref.instance_id ?? '' }, DESTROY_TIMEOUT_MS, JSON.stringify(instance) + '\n');
      if (!r.ok) throw new Error(`the destroy command ${r.why}`);
    },
  };
}
