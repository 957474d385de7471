// One bounded ssh round trip to an executor's host. Connections are multiplexed (one
// ControlMaster per host/port/user, shared by every job and kept 30 s after last use), never
// prompt (BatchMode), detect a dead link with keepalives, and accept a new host key once and
// enforce it afterwards. Each call has a timeout; after a failed call the master is asked to
// exit so that the next call connects afresh instead of queueing on a dead link.
import { createHash } from 'node:crypto';
// node:fs only for the control socket directory, in the system's temporary directory.
import { statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { scratchFile } from '../../store/scratch.js';
import { expandHome } from '../../util/fs-checks.js';
import { makeDirs } from '../../util/make-dirs.js';
import type { SshExecutor } from '../types.js';
import { TargetError } from '../port.js';

export interface CallOptions {
  input?: string;
  timeoutMs: number;
  /** Streams stdout to this callback instead of buffering it. */
  onData?: (chunk: Buffer) => void;
  /** A step that is only nice to have (a resource sample): its timeout leaves the master alone. */
  keepMaster?: boolean;
}

export type SshCall = (remoteLine: string, options: CallOptions) => Promise<Buffer>;


/** A private directory for control sockets (short: a socket path is limited to 107 bytes). */
function controlDir(): string | undefined {
  const dir = join(tmpdir(), `jobctl-ssh-${process.getuid?.() ?? 0}`);
  try {
    makeDirs(dir, 0o700);
    const st = statSync(dir);
    // Someone else's (or a shared) directory must not hold our sockets.
    if (st.uid !== (process.getuid?.() ?? st.uid) || (st.mode & 0o077) !== 0) return undefined;
    return dir;
  } catch {
    return undefined;
  }
}

export function sshOptions(def: SshExecutor): string[] {
  const opts = [
    '-o', 'BatchMode=yes',
    '-o', `ConnectTimeout=${def.connect_timeout ?? 10}`,
    '-o', 'ServerAliveInterval=5',
    '-o', 'ServerAliveCountMax=2',
    '-o', 'StrictHostKeyChecking=accept-new',
    '-o', 'LogLevel=ERROR',
  ];
  const control = controlDir();
  // One master per destination and credentials: a job with another key must not ride on a
  // connection authenticated with this one.
  const credentials = createHash('sha256').update(JSON.stringify([def.identity_file ?? '', def.known_hosts ?? ''])).digest('hex').slice(0, 8);
  if (control !== undefined) opts.push('-o', 'ControlMaster=auto', '-o', `ControlPath=${join(control, `${credentials}-%C`)}`, '-o', 'ControlPersist=30');
  if (def.known_hosts !== undefined) opts.push('-o', `UserKnownHostsFile=${expandHome(def.known_hosts)}`);
  if (def.identity_file !== undefined) opts.push('-i', expandHome(def.identity_file), '-o', 'IdentitiesOnly=yes');
  if (def.port !== undefined) opts.push('-p', String(def.port));
  if (def.user !== undefined) opts.push('-l', def.user);
  return opts;
}

/** Errors retrying cannot fix: wrong key, changed host key, unknown host. */
const DEFINITE = /Permission denied|Host key verification failed|HOST IDENTIFICATION HAS CHANGED|Could not resolve hostname|No such file or directory|Bad configuration option|Too many authentication failures/i;

export function sshCommand(def: SshExecutor, scratchDir: string): SshCall {
  const base = sshOptions(def);
  return async (remoteLine, options) => {
    if (remoteLine.includes("'") || remoteLine.includes('\\')) throw new TargetError('internal: unsafe remote command line', false);
    // stderr goes to a file: a ControlMaster started by this call inherits it and would hold a
    // pipe open for as long as it lives.
    const errFile = scratchFile(scratchDir, 'ssh', '.err');
    const chunks: Buffer[] = [];
    // What a login rc file prints comes before the marker and is dropped.
    const payload = new AfterMarker(MARKER, (chunk) => (options.onData ? options.onData(chunk) : chunks.push(chunk)));
    try {
      const child = execa('ssh', [...base, '--', def.host, `sh -c 'echo ${MARKER.trim()}; ${remoteLine}'`], {
        input: options.input ?? '',
        stdout: 'pipe',
        stderr: { file: errFile.path },
        encoding: 'buffer',
        buffer: false,
        timeout: options.timeoutMs,
        forceKillAfterDelay: 1000,
        reject: false,
        cleanup: true,
      });
      child.stdout.on('data', (chunk: Buffer) => payload.write(chunk));
      const result = await child;
      const stderr = errFile.readText(1000);
      if (result.timedOut) {
        if (options.keepMaster !== true) await dropMaster(base, def.host);
        throw new TargetError(`ssh to ${def.host} timed out after ${options.timeoutMs}ms`, true);
      }
      if (result.exitCode === 255 || result.failed && result.exitCode === undefined) {
        await dropMaster(base, def.host);
        const message = stderr || result.shortMessage || 'ssh failed';
        throw new TargetError(`ssh to ${def.host}: ${message}`, !DEFINITE.test(message));
      }
      if (result.exitCode === 0 && !payload.seen) throw new TargetError(`no answer from ${def.host}`, true);
      if (result.exitCode !== 0) {
        throw new TargetError(`remote step on ${def.host} exited ${result.exitCode}${stderr ? `: ${stderr}` : ''}`, false);
      }
      return Buffer.concat(chunks);
    } finally {
      errFile.remove();
    }
  };
}

/**
 * Asks a (possibly stuck) master connection to stop accepting new sessions, so that the next
 * call connects afresh; sessions other jobs have on it go on until it dies or they end.
 */
async function dropMaster(base: string[], host: string): Promise<void> {
  if (!base.includes('ControlMaster=auto')) return;
  await execa('ssh', [...base, '-O', 'stop', '--', host], { stdio: 'ignore', timeout: 3000, reject: false });
}

const MARKER = 'jobctl-payload-begins\n';

/** Passes on what follows the first `marker` line of a stream. */
class AfterMarker {
  seen = false;
  private head = Buffer.alloc(0);

  constructor(private readonly marker: string, private readonly emit: (chunk: Buffer) => void) {}

  write(chunk: Buffer): void {
    if (this.seen) {
      this.emit(chunk);
      return;
    }
    this.head = Buffer.concat([this.head, chunk]);
    const at = this.head.indexOf(this.marker);
    if (at === -1) {
      if (this.head.length > 1024 * 1024) this.head = this.head.subarray(this.head.length - this.marker.length);
      return;
    }
    this.seen = true;
    const rest = this.head.subarray(at + this.marker.length);
    this.head = Buffer.alloc(0);
    if (rest.length > 0) this.emit(rest);
  }
}
