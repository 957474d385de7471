// `--listen HOST:PORT` (and `[serve] listen`): the address `jobctl serve` binds. `HOST:PORT`,
// `[IPv6]:PORT`, `:PORT` or a bare `PORT` (host 127.0.0.1); port 0 picks a free one. Pure.
import { isIP } from 'node:net';
import { usageError } from '../errors.js';

export const DEFAULT_LISTEN = '127.0.0.1:8787';

export interface ListenAddress {
  host: string;
  port: number;
}

const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$/;

export function parseListen(text: string, flag = '--listen'): ListenAddress {
  const bad = (why: string): Error => usageError(`${flag} ${JSON.stringify(text.slice(0, 100))}: ${why}; use HOST:PORT, e.g. 127.0.0.1:8787`, { flag: flag.replace(/^--/, ''), value: text.slice(0, 100) });
  const bracketed = /^\[([0-9A-Fa-f:.]+)\]:(\d{1,5})$/.exec(text);
  const plain = /^(?:([^:[\]]*):)?(\d{1,5})$/.exec(text);
  const match = bracketed ?? plain;
  if (match === null) throw bad('not HOST:PORT');
  const host = match[1] === undefined || match[1] === '' ? '127.0.0.1' : match[1];
  if (bracketed !== null && isIP(host) !== 6) throw bad('not an IPv6 address in brackets');
  if (bracketed === null && isIP(host) === 0 && !HOST_NAME.test(host)) throw bad('not a host name or address');
  const port = Number(match[2]);
  if (port > 65535) throw bad('the port must be from 0 to 65535');
  return { host, port };
}

/** True for addresses only this machine reaches: 127.0.0.0/8, ::1, `localhost`. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (host.toLowerCase().startsWith('::ffff:')) return isLoopbackHost(host.slice(7));
  return false;
}

/** The origin of a server listening on `host` at `port` (an IPv6 host in brackets). */
export function originOf(host: string, port: number): string {
  return `http://${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}
