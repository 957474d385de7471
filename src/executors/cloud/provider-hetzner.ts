// provider = "hetzner": the Hetzner Cloud API over HTTPS (node's fetch, no redirects followed),
// token from the environment variable the config names. A server is created under the
// instance's name with the labels `jobctl-instance=<name>` and `jobctl-executor=<executor>` (so
// one whose id was never recorded is found again), polled until it runs with a public IPv4,
// deleted by id — or by that label when only the name is known — and polled until it is gone.
// Invariants:
// - Every call ends by the caller's deadline (each request's timeout is cut to what is left).
// - A create is never retried blindly: after a failed or unanswered POST the server is looked up
//   by its label (and used when found); it is sent again only when the look-up says there is
//   none. Only 401, 403 and 422 say nothing was made; a create that cannot be settled may have
//   made the server (the caller destroys it by name).
// - GET and DELETE are retried on 5xx, 429 and network failures with backoff (idempotent).
import type { CloudExecutor, HetznerSettings } from '../types.js';
import type { InstanceAddress } from '../../store/cloud-instances.js';
import { ProviderUnusable, ProvisionError, type CallOptions, type CloudProvider, type InstanceRef } from './provider.js';

const REQUEST_TIMEOUT_MS = 30_000;
const RETRY_DELAYS_MS = [1000, 2000, 4000, 8000];
const POLL_MS = 1000;
const PROBE_MS = 30_000;
/** How long a look-up after a failed create may take even past the boot deadline. */
const LOOKUP_MS = 30_000;

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

/** Statuses that say a create made nothing. */
const NOTHING_MADE = [401, 403, 422];

/**
 * One API call, by `deadlineMs`; retried on 5xx/429/network failures unless `once` (a create);
 * the parsed body (undefined for 204).
 */
async function call(s: HetznerSettings, method: string, path: string, deadlineMs: number, body?: unknown, once = false): Promise<unknown> {
  const token = process.env[s.token_env];
  if (token === undefined || token === '') throw new ProviderUnusable(`Hetzner API token missing: the environment variable ${s.token_env} is not set`);
  let lastError = '';
  for (let attempt = 0; ; attempt++) {
    let status = 0;
    const left = deadlineMs - Date.now();
    if (left <= 0) throw new HetznerError(`Hetzner API ${method} ${path}: no answer within the deadline${lastError ? ` (${lastError})` : ''}`, 0);
    try {
      const res = await fetch(`${s.api_url}${path}`, {
        method,
        redirect: 'error',
        headers: { Authorization: `Bearer ${token}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(Math.min(REQUEST_TIMEOUT_MS, left)),
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
    const delay = once ? undefined : RETRY_DELAYS_MS[attempt];
    if (delay === undefined || Date.now() + delay >= deadlineMs) throw new HetznerError(`${lastError}${once ? '' : ` (gave up after ${attempt + 1} attempts)`}`, status);
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
  return (await serversLabelled(def.hetzner as HetznerSettings, selector, Date.now() + PROBE_MS)).length;
}

const serversLabelled = async (s: HetznerSettings, selector: string, deadlineMs: number): Promise<Server[]> =>
  ((await call(s, 'GET', `/servers?label_selector=${encodeURIComponent(selector)}`, deadlineMs)) as { servers?: Server[] }).servers ?? [];

/**
 * Creates the server once per attempt: after a failed or unanswered POST it is looked up by its
 * label, and created again only when the look-up says it does not exist (the API refuses a
 * second server of the same name: 409, looked up again). Throws "may exist" when it cannot know.
 */
async function createServer(s: HetznerSettings, name: string, body: unknown, deadlineMs: number): Promise<Server> {
  let failure: Error | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      return ((await call(s, 'POST', '/servers', deadlineMs, body, true)) as { server: Server }).server;
    } catch (err) {
      failure = err as Error;
    }
    if (failure instanceof ProviderUnusable || (failure instanceof HetznerError && NOTHING_MADE.includes(failure.status))) throw new ProvisionError(failure.message);
    let found: Server[];
    try {
      found = await serversLabelled(s, `jobctl-instance=${name}`, Math.max(deadlineMs, Date.now() + LOOKUP_MS));
    } catch (err) {
      throw new ProvisionError(`${failure.message}; looking the server up failed: ${(err as Error).message}`, undefined, true);
    }
    if (found[0] !== undefined) return found[0];
    const delay = RETRY_DELAYS_MS[attempt];
    if (delay === undefined || Date.now() + delay >= deadlineMs) throw new ProvisionError(failure.message, undefined, true);
    await sleep(delay);
  }
}

export function hetznerProvider(def: CloudExecutor): CloudProvider {
  const s = def.hetzner as HetznerSettings;
  const gone = (err: unknown): boolean => err instanceof HetznerError && err.status === 404;
  // DELETE answers before the server is gone: it is looked at until the API says 404.
  const deleteServer = async (id: string, deadlineMs: number): Promise<void> => {
    const path = `/servers/${encodeURIComponent(id)}`;
    try {
      await call(s, 'DELETE', path, deadlineMs);
      for (;;) {
        await call(s, 'GET', path, deadlineMs);
        if (Date.now() + POLL_MS >= deadlineMs) throw new HetznerError(`server ${id} was still there after its DELETE`, 0);
        await sleep(POLL_MS);
      }
    } catch (err) {
      if (!gone(err)) throw err;
    }
  };
  return {
    async provision(ref, { deadlineMs }: CallOptions) {
      const body = {
        name: ref.name,
        server_type: s.server_type,
        image: s.image,
        ...(s.location !== undefined ? { location: s.location } : {}),
        ...(s.ssh_keys.length > 0 ? { ssh_keys: s.ssh_keys } : {}),
        labels: { ...s.server_labels, 'jobctl-instance': ref.name, 'jobctl-executor': ref.executor },
        start_after_create: true,
      };
      const created = await createServer(s, ref.name, body, deadlineMs);
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
          server = ((await call(s, 'GET', `/servers/${id}`, deadlineMs)) as { server: Server }).server;
        } catch (err) {
          throw new ProvisionError((err as Error).message, { instance_id: id });
        }
      }
    },
    async destroy(ref: InstanceRef, { deadlineMs }: CallOptions) {
      if (ref.instance_id !== undefined) return deleteServer(ref.instance_id, deadlineMs);
      const found = await serversLabelled(s, `jobctl-instance=${ref.name}`, deadlineMs);
      await Promise.all(found.map((server) => deleteServer(String(server.id), deadlineMs)));
    },
  };
}
