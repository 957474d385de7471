// The dashboard: `GET /` is its index.html and `GET /assets/NAME` its other files, read from the
// built package's copy (dist/dashboard/, copied from src/serve/dashboard/ by scripts/build.mjs).
// No token is needed to fetch them (the page asks for it and sends it as a bearer header); each
// answer is `no-store` with a strict Content-Security-Policy. Containment: a name is plain
// segments (no `.`-leading segment, no `/`, `\` or NUL inside one), resolved under the directory,
// opened without following a symlink and only when it is a regular file.
import { closeSync, constants as fs, readFileSync } from 'node:fs';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JobError } from '../errors.js';
import { openRegularFile } from '../util/fs-checks.js';
import { SECURITY_HEADERS } from './respond.js';
import type { Route, RouteRequest } from './router.js';

/** dist/dashboard, next to the bundle this code runs from. */
export const defaultDashboardDir = (): string => join(dirname(fileURLToPath(import.meta.url)), 'dashboard');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

export const CONTENT_SECURITY_POLICY = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";

const missing = (name: string): JobError => new JobError('not_found', `no dashboard file ${JSON.stringify(name.slice(0, 200))}`);

/** The file's bytes, or not_found for anything that is not a plain file inside `dir`. */
export function readDashboardFile(dir: string, name: string): Buffer {
  const segments = name.split('/');
  if (segments.some((s) => s === '' || s.startsWith('.') || /[\\\0]/.test(s))) throw missing(name);
  const base = resolve(dir);
  const path = resolve(base, ...segments);
  if (!path.startsWith(base + sep)) throw missing(name);
  let fd: number;
  try {
    fd = openRegularFile(path, fs.O_RDONLY | fs.O_NOFOLLOW);
  } catch {
    throw missing(name);
  }
  try {
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

function fileRoute(pattern: string, dir: string, nameOf: (r: RouteRequest) => string): Route {
  return {
    method: 'GET',
    pattern,
    auth: false,
    async handle(request) {
      const name = nameOf(request);
      const bytes = readDashboardFile(dir, name);
      request.res.writeHead(200, {
        ...SECURITY_HEADERS,
        'content-type': CONTENT_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream',
        'content-length': bytes.length,
        'content-security-policy': CONTENT_SECURITY_POLICY,
        'referrer-policy': 'no-referrer',
      });
      request.res.end(bytes);
    },
  };
}

export function dashboardRoutes(dir: string): Route[] {
  return [
    fileRoute('/', dir, () => 'index.html'),
    fileRoute('/assets/*', dir, (r) => r.params['*'] ?? ''),
  ];
}
