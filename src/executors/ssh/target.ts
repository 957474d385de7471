// SSH target: the job runs detached on the host under run.sh (script.ts) in
// ${XDG_CACHE_HOME:-~/.cache}/jobctl/jobs/<id> (0700). Invariants:
// - The job's command, env and working directory travel only as the content of run.sh, sent
//   on stdin; every remote command line is fixed text built from the job id and integers.
// - No call waits for the job: the launch returns once the leader recorded its pid, and every
//   call has a timeout, so a dead link costs one step timeout and never blocks for ever.
// - The job's stdin (an agent's prompt, a command job's --stdin) travels inside run.sh too
//   (base64) and becomes the command's stdin
//   on the host; the process's resources are sampled with a fixed /proc reading line.
// - Output comes home by byte offset: each sync asks for a log from the local log's size on,
//   and appends what arrives as it arrives, so an interrupted copy resumes without gaps or repeats.
// - The remote side enforces the timeout itself (enforcesTimeout), partition or not.
import { sshCommand, type SshCall } from './connection.js';
import type { SshExecutor } from '../types.js';
import type { JobMeta, StreamName } from '../../store/types.js';
import type { RemoteIdentity } from '../../job/state.js';
import { TargetError, type LogSink, type RemotePhase, type RemoteTarget, type SubmitSpec } from '../port.js';
import { assertSafeId, cleanupLine, launchLine, phaseLine, readLine, recoverLine, resourcesLine, runScript, signalLine } from './script.js';
import { resourcesFrom, USER_HZ, type Resources } from '../../util/resources.js';

/** A step may take this long beyond connecting. */
const STEP_MS = 30_000;
/** One copy step brings at most this much; the next one resumes where it ended. */
const CHUNK_BYTES = 64 * 1024 * 1024;

/** Parses "key value" lines (launch, recover). */
function fields(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp > 0) out.set(line.slice(0, sp), line.slice(sp + 1).trim());
  }
  return out;
}

export function parsePhase(text: string): { phase: RemotePhase; sizes: Record<StreamName, number> } {
  const lines = text.split('\n').map((l) => l.trim());
  const sizes = { stdout: 0, stderr: 0 };
  let phase: RemotePhase = { phase: 'running' };
  // The watchdog's marker is only a claim (the job may have ended by itself just then): it
  // counts for a job that died of a signal.
  const marker = lines.includes('timed_out');
  for (const line of lines) {
    if (line === 'gone') phase = { phase: 'ended', lostReason: 'the job directory on the host is gone' };
    else if (line === 'vanished') phase = { phase: 'ended', lostReason: 'the job stopped on the host without recording an exit status (host rebooted?)' };
    else if (line.startsWith('status ')) {
      const value = line.slice(7).trim();
      const sig = /^signal (\d+)$/.exec(value);
      if (sig) phase = { phase: 'ended', signal: signalName(Number(sig[1])), timedOut: marker };
      else if (/^\d+$/.test(value)) phase = { phase: 'ended', code: Number(value), timedOut: marker && Number(value) > 128 };
      else if (value.startsWith('error ')) phase = { phase: 'ended', error: { code: 'launch_failed', message: value.slice(6) } };
      else phase = { phase: 'ended', lostReason: `unreadable exit status on the host: ${value.slice(0, 80)}` };
    } else if (line.startsWith('stdout ')) sizes.stdout = Number(line.slice(7)) || 0;
    else if (line.startsWith('stderr ')) sizes.stderr = Number(line.slice(7)) || 0;
  }
  return { phase, sizes };
}

/** What resourcesLine printed: "PROCESSES RSS_BYTES CPU_TICKS ELAPSED_SECONDS", or nothing. */
export function parseResources(text: string): Resources | undefined {
  const fields = text.trim().split(/\s+/).map(Number);
  if (fields.length !== 4 || !fields.every((n) => Number.isFinite(n) && n >= 0)) return undefined;
  const [processes = 0, rss = 0, ticks = 0, elapsed = 0] = fields;
  return processes > 0 ? resourcesFrom(processes, rss, ticks / USER_HZ, elapsed) : undefined;
}

const SIGNALS = ['', 'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGKILL', 'SIGUSR1', 'SIGSEGV', 'SIGUSR2', 'SIGPIPE', 'SIGALRM', 'SIGTERM'];
const signalName = (n: number): string => SIGNALS[n] ?? `SIG${n}`;

export class SshTarget implements RemoteTarget {
  readonly pollMs = 500;
  readonly enforcesTimeout = true;
  readonly startsOnSubmit = true;
  readonly resourceSource = 'ssh';
  private readonly call: SshCall;
  private sizes: Record<StreamName, number> = { stdout: 0, stderr: 0 };
  private readonly stepMs: number;

  constructor(private readonly def: SshExecutor, dir: string, private readonly meta: JobMeta) {
    assertSafeId(meta.job_id);
    this.call = sshCommand(def, dir);
    this.stepMs = STEP_MS + (def.connect_timeout ?? 10) * 1000;
  }

  /**
   * A step of a job already on the host: every failure is worth retrying (a key or name that
   * is briefly unusable must not end a job that runs); the status parser says when it is over.
   */
  private async followStep(line: string, options: { onData?: (chunk: Buffer) => void } = {}): Promise<Buffer> {
    try {
      return await this.call(line, { timeoutMs: this.stepMs, ...options });
    } catch (err) {
      throw err instanceof TargetError && !err.transient ? new TargetError(err.message, true) : err;
    }
  }

  prepare(): RemoteIdentity {
    return { host: this.def.host };
  }

  private identity(text: string): RemoteIdentity {
    const f = fields(text);
    const pid = Number((f.get('pid') ?? '').split(' ')[0]);
    const dir = f.get('dir');
    if (!Number.isInteger(pid) || pid <= 0 || dir === undefined) throw new TargetError(`unexpected answer from the host: ${text.slice(0, 200)}`, true);
    return { host: this.def.host, remote_dir: dir, remote_pid: pid };
  }

  async submit(spec: SubmitSpec): Promise<RemoteIdentity> {
    const script = runScript({ argv: spec.meta.argv, env: spec.env, workdir: spec.meta.workdir, timeoutMs: spec.meta.timeout_ms, killAfterMs: spec.meta.kill_after_ms, stdin: spec.stdin });
    const out = await this.call(launchLine(this.meta.job_id), { input: script, timeoutMs: this.stepMs });
    return this.identity(out.toString('utf8'));
  }

  async recover(): Promise<RemoteIdentity | undefined> {
    const out = (await this.followStep(recoverLine(this.meta.job_id))).toString('utf8');
    if (out.trim() === 'starting') throw new TargetError('the job is starting on the host but has not recorded its pid yet', true);
    return out.trim() === '' ? undefined : this.identity(out);
  }

  async phase(): Promise<RemotePhase> {
    const parsed = parsePhase((await this.followStep(phaseLine(this.meta.job_id))).toString('utf8'));
    this.sizes = parsed.sizes;
    return parsed.phase;
  }

  async sync(_id: RemoteIdentity, logs: LogSink): Promise<void> {
    // Past the log cap nothing more is copied: the supervisor kills the job and cuts the log.
    const cap = this.meta.max_log_bytes === undefined ? Infinity : this.meta.max_log_bytes + 1;
    for (const stream of ['stdout', 'stderr'] as const) {
      for (;;) {
        const offset = logs.size(stream);
        const wanted = Math.min(this.sizes[stream], cap) - offset;
        if (wanted <= 0) break;
        await this.followStep(readLine(this.meta.job_id, stream, offset, Math.min(wanted, CHUNK_BYTES)), { onData: (chunk) => logs.append(stream, chunk) });
        if (logs.size(stream) === offset) break; // the host had less than it said: next round
      }
    }
  }

  async signal(_id: RemoteIdentity, signal: NodeJS.Signals): Promise<void> {
    await this.followStep(signalLine(this.meta.job_id, signal));
  }

  async sample(_id: RemoteIdentity, _startedAt: string | undefined, timeoutMs: number): Promise<Resources | undefined> {
    // A slow sample must not cost the poll loop its connection: the master is kept.
    return parseResources((await this.call(resourcesLine(this.meta.job_id), { timeoutMs, keepMaster: true })).toString('utf8'));
  }

  async cleanup(): Promise<void> {
    // Shorter than the caller's own bound (executors/cleanup.ts), so no ssh outlives the answer.
    await this.call(cleanupLine(this.meta.job_id), { timeoutMs: 15_000 });
  }

  async close(): Promise<void> {
    // The multiplexed connection is shared and closes itself when idle (ControlPersist).
  }
}
