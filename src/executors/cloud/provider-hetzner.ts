// provider = "hetzner": the Hetzner Cloud API over HTTPS (node's fetch), token from the
// environment variable the config names. A server is created under the instance's name with
// the labels `jobctl-instance=<name>` and `jobctl-executor=<executor>` (so one whose id was never
// recorded is found again), polled until it runs with a public IPv4, deleted by id — or by that
// label when only the name is known. 5xx, 429 and network failures are retried with backoff; a
// 401 or a 4xx is reported with the API's own message.
import type { CloudExecutor, HetznerSettings } from '../types.js';
import type { InstanceAddress } from '../../store/cloud-instances.js';
import { ProvisionError, type CloudProvider, type InstanceRef } from './provider.js';

const REQUEST_TIMEOUT_MS = 30_000;
const RETRY_DELAYS_MS = [1000, 2000, 4000, 8000];
const POLL_MS = 1000;

interface Server {
  id: number;
  name: string;
  status: string;
  public_net?: { ipv4?: { ip?: string } | null };
  server_type?: { prices?: { location: string; price_hourly?: { gross?: string } }[] };
  datacenter?: { location?: { name?: string } };
}

export class HetznerError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
    this.name = 'HetznerError';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One API call, retried on 5xx/429/network failures; the parsed body (undefined for 204). */
async function call(s: HetznerSettings, method: string, path: string, body?: unknown): Promise<unknown> {
  const token = process.env[s.token_env];
  if (token === undefined || token === '') throw new HetznerError(`Hetzner API token missing: the environment variable ${s.token_env} is not set`, 401);
  let lastError = '';
  for (let attempt = 0; ; attempt++) {
    let status = 0;
    try {
      const res = await fetch(`${s.api_url}${path}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      status = res.status;
      const text = await res.text();
      const parsed = text === '' ? undefined : (JSON.parse(text) as unknown);
      if (res.ok) return parsed;
      const apiError = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
      lastError = `Hetzner API ${method} ${path}: ${status} ${apiError?.code ?? ''}${apiError?.message ? `: ${apiError.message}` : ''}`.replace(/ {2,}/g, ' ');
      if (status === 401) throw new HetznerError(`${lastError} (the token in ${s.token_env} was refused)`, 401);
      if (status !== 429 && status < 500) throw new HetznerError(lastError, status);
    } catch (err) {
      if (err instanceof HetznerError) throw err;
      if (status === 0) lastError = `Hetzner API ${method} ${path}: ${(err as Error).message}`;
    }
    const delay = RETRY_DELAYS_MS[attempt];
    if (delay === undefined) throw new HetznerError(`${lastError} (gave up after ${attempt + 1} attempts)`, status);
    await sleep(delay);
  }
}

function hourlyCost(server: Server, location: string | undefined): number | undefined {
  const where = server.datacenter?.location?.name ?? location;
  const price = server.server_type?.prices?.find((p) => p.location === where)?.price_hourly?.gross;
  const n = price === undefined ? NaN : Number(price);
  return Number.isFinite(n) ? n : undefined;
}

/** How many servers carry the label key `selector` (a probe: the token works). */
export async function listServers(def: CloudExecutor, selector: string): Promise<number> {
  const found = (await call(def.hetzner as HetznerSettings, 'GET', `/servers?label_selector=${encodeURIComponent(selector)}`)) as { servers?: Server[] };
  return (found.servers ?? []).length;
}

export function hetznerProvider(def: CloudExecutor): CloudProvider {
  const s = def.hetzner as HetznerSettings;
  const deleteServer = async (id: string): Promise<void> => {
    try {
      await call(s, 'DELETE', `/servers/${encodeURIComponent(id)}`);
    } catch (err) {
      if (!(err instanceof HetznerError && err.status === 404)) throw err;
    }
  };
  return {
    async provision(ref, deadlineMs) {
      const body = {
        name: ref.name,
        server_type: s.server_type,
        image: s.image,
        ...(s.location !== undefined ? { location: s.location } : {}),
        ...(s.ssh_keys.length > 0 ? { ssh_keys: s.ssh_keys } : {}),
        labels: { ...s.server_labels, 'jobctl-instance': ref.name, 'jobctl-executor': ref.executor },
        start_after_create: true,
      };
      let created: Server;
      try {
        created = ((await call(s, 'POST', '/servers', body)) as { server: Server }).server;
      } catch (err) {
        // A create whose answer was lost may have made the server: it is looked up by label.
        throw new ProvisionError((err as Error).message, undefined, !(err instanceof HetznerError) || err.status === 0 || err.status >= 500);
      }
      const id = String(created.id);
      let server = created;
      for (;;) {
        const ip = server.public_net?.ipv4?.ip;
        if (server.status === 'running' && typeof ip === 'string' && ip !== '') {
          const out: InstanceAddress = { instance_id: id, host: ip };
          const cost = hourlyCost(server, s.location);
          if (cost !== undefined) out.hourly_cost = cost;
          return out;
        }
        if (Date.now() + POLL_MS > deadlineMs) {
          throw new ProvisionError(`server ${ref.name} (id ${id}) was not running with a public IPv4 within the boot timeout (status ${server.status})`, { instance_id: id });
        }
        await sleep(POLL_MS);
        try {
          server = ((await call(s, 'GET', `/servers/${id}`)) as { server: Server }).server;
        } catch (err) {
          throw new ProvisionError((err as Error).message, { instance_id: id });
        }
      }
    },
    async destroy(ref: InstanceRef) {
      if (ref.instance_id !== undefined) return deleteServer(ref.instance_id);
      const found = (await call(s, 'GET', `/servers?label_selector=${encodeURIComponent(`jobctl-instance=${ref.name}`)}`)) as { servers?: Server[] };
      for (const server of found.servers ?? []) await deleteServer(String(server.id));
    },
  };
}
