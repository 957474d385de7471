// A stand-in for the Hetzner Cloud API on loopback (the real cloud cannot be reached from the
// tests): the part jobctl uses — POST /v1/servers, GET /v1/servers/{id}, GET
// /v1/servers?label_selector=k=v, DELETE /v1/servers/{id} — in the API's own shapes (a server
// with status, public_net.ipv4.ip, server_type.prices, datacenter.location; errors as
// {"error":{"code","message"}}). A created server "boots" onto the address of a real
// network-namespace host: `initializing` without an IP first, `running` with it after two looks.
import { createServer } from 'node:http';

export async function startHetznerFake({ token, address }) {
  const servers = new Map();
  const requests = [];
  let nextId = 1000;
  // loseCreateAnswer: the next N creates make the server, then the connection drops unanswered.
  // failLabelLookups: the next N GET /servers?label_selector=… answer 503.
  // lingerAfterDelete: servers stay listed this many looks after their DELETE (the API deletes asynchronously).
  const behaviour = { unauthorized: false, quota: false, failNext: 0, neverIp: false, loseCreateAnswer: 0, failLabelLookups: 0, lingerAfterDelete: 0 };
  const view = (s) => ({
    id: s.id, name: s.name, status: s.looks >= 2 && !behaviour.neverIp ? 'running' : 'initializing', labels: s.labels,
    created: s.created,
    public_net: { ipv4: s.looks >= 2 && !behaviour.neverIp ? { id: s.id + 1, ip: address, blocked: false, dns_ptr: 'static.example' } : null, ipv6: null, floating_ips: [], firewalls: [] },
    server_type: { id: 22, name: s.server_type, cores: 2, memory: 4, disk: 40, prices: [{ location: 'fsn1', price_hourly: { net: '0.0100000000', gross: '0.0119000000000000' }, price_monthly: { net: '4.5', gross: '5.355' } }] },
    datacenter: { id: 4, name: 'fsn1-dc14', location: { id: 1, name: 'fsn1' } },
    image: { id: 67794396, name: s.image, type: 'system' },
  });
  const send = (res, status, body) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(body === undefined ? '' : JSON.stringify(body));
  };
  const error = (res, status, code, message) => send(res, status, { error: { code, message, details: {} } });
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url, 'http://x');
      const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
      requests.push({ method: req.method, path: url.pathname, query: url.search, body });
      if (req.headers.authorization !== `Bearer ${token}` || behaviour.unauthorized) return error(res, 401, 'unauthorized', 'unable to authenticate');
      if (behaviour.failNext > 0) {
        behaviour.failNext--;
        return error(res, 503, 'unavailable', 'service unavailable');
      }
      const m = /^\/v1\/servers(?:\/(\d+))?$/.exec(url.pathname);
      if (!m) return error(res, 404, 'not_found', 'not found');
      const id = m[1] === undefined ? undefined : Number(m[1]);
      if (req.method === 'POST' && id === undefined) {
        if (behaviour.quota) return error(res, 422, 'resource_limit_exceeded', 'server limit reached for this project');
        if ([...servers.values()].some((x) => x.name === body.name)) return error(res, 409, 'uniqueness_error', 'server name is already used');
        const s = { id: nextId++, name: body.name, labels: body.labels ?? {}, server_type: body.server_type, image: body.image, created: new Date().toISOString(), looks: 0 };
        servers.set(s.id, s);
        if (behaviour.loseCreateAnswer > 0) {
          behaviour.loseCreateAnswer--;
          return req.socket.destroy();
        }
        return send(res, 201, { server: view(s), action: { id: 1, command: 'create_server', status: 'running', progress: 0 }, next_actions: [], root_password: null });
      }
      if (req.method === 'GET' && id === undefined) {
        if (behaviour.failLabelLookups > 0) {
          behaviour.failLabelLookups--;
          return error(res, 503, 'unavailable', 'service unavailable');
        }
        const selector = url.searchParams.get('label_selector') ?? '';
        const [k, v] = selector.split('=');
        const found = [...servers.values()].filter((s) => !k || (v === undefined ? k in s.labels : s.labels[k] === v));
        return send(res, 200, { servers: found.map(view), meta: { pagination: { page: 1, per_page: 25, total_entries: found.length } } });
      }
      const s = id === undefined ? undefined : servers.get(id);
      if (s === undefined) return error(res, 404, 'not_found', `server with ID '${id}' not found`);
      if (req.method === 'GET') {
        s.looks++;
        if (s.deleting !== undefined && s.deleting-- <= 0) {
          servers.delete(id);
          return error(res, 404, 'not_found', `server with ID '${id}' not found`);
        }
        return send(res, 200, { server: view(s) });
      }
      if (req.method === 'DELETE') {
        if (behaviour.lingerAfterDelete > 0) s.deleting = behaviour.lingerAfterDelete;
        else servers.delete(id);
        return send(res, 200, { action: { id: 2, command: 'delete_server', status: 'running', progress: 0 } });
      }
      return error(res, 405, 'method_not_allowed', 'no');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/v1`,
    servers,
    requests,
    behaviour,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
