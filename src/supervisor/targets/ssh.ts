// SSH target: the job runs detached on the host under run.sh (ssh-script.ts) in
// ${XDG_CACHE_HOME:-~/.cache}/jobctl/jobs/<id> (0700). Invariants:
// - The job's command, env and working directory travel only as the content of run.sh, sent
//   on stdin; every remote command line is fixed text built from the job id and integers.
// - No call waits for the job: the launch returns once the leader recorded its pid, and every
//   call has a timeout, so a dead link costs one step timeout and never blocks for ever.
// - Output comes home by byte offset: each sync asks for a log from the local log's size on,
//   and appends what arrives as it arrives, so an interrupted copy resumes without gaps or repeats.
// - The remote side enforces the timeout itself (enforcesTimeout), partition or not.
import { sshCommand, type SshCall } from './ssh-connection.js';
import type { SshExecutor } from '../../executors/types.js';
import type { JobMeta, RemoteIdentity, StreamName } from '../../store/types.js';
import { TargetError, type LogSink, type RemotePhase, type RemoteTarget, type SubmitSpec } from './remote-target.js';
import { assertSafeId, cleanupLine, launchLine, phaseLine, readLine, recoverLine, runScript, signalLine } from './ssh-script.js';

const STEP_TIMEOUT_MS = 30_000;

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
  const timedOut = lines.includes('timed_out');
  for (const line of lines) {
    if (line === 'gone') phase = { phase: 'ended', lostReason: 'the job directory on the host is gone' };
    else if (line === 'vanished') phase = { phase: 'ended', lostReason: 'the job stopped on the host without recording an exit status (host rebooted?)' };
    else if (line.startsWith('status ')) {
      const value = line.slice(7).trim();
      const sig = /^signal (\d+)$/.exec(value);
      if (sig) phase = { phase: 'ended', signal: signalName(Number(sig[1])), timedOut };
      else if (/^\d+$/.test(value)) phase = { phase: 'ended', code: Number(value), timedOut };
      else if (value.startsWith('error ')) phase = { phase: 'ended', error: { code: 'launch_failed', message: value.slice(6) } };
      else phase = { phase: 'ended', lostReason: `unreadable exit status on the host: ${value.slice(0, 80)}` };
    } else if (line.startsWith('stdout ')) sizes.stdout = Number(line.slice(7)) || 0;
    else if (line.startsWith('stderr ')) sizes.stderr = Number(line.slice(7)) || 0;
  }
  return { phase, sizes };
}

const SIGNALS = ['', 'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGKILL', 'SIGUSR1', 'SIGSEGV', 'SIGUSR2', 'SIGPIPE', 'SIGALRM', 'SIGTERM'];
const signalName = (n: number): string => SIGNALS[n] ?? `SIG${n}`;

export class SshTarget implements RemoteTarget {
  readonly pollMs = 500;
  readonly enforcesTimeout = true;
  readonly startsOnSubmit = true;
  private readonly call: SshCall;
  private sizes: Record<StreamName, number> = { stdout: 0, stderr: 0 };

  constructor(private readonly def: SshExecutor, dir: string, private readonly meta: JobMeta) {
    assertSafeId(meta.job_id);
    this.call = sshCommand(def, dir);
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
    const script = runScript({ argv: spec.meta.argv, env: spec.env, workdir: spec.meta.workdir, timeoutMs: spec.meta.timeout_ms, killAfterMs: spec.meta.kill_after_ms });
    const out = await this.call(launchLine(this.meta.job_id), { input: script, timeoutMs: STEP_TIMEOUT_MS });
    return this.identity(out.toString('utf8'));
  }

  async recover(): Promise<RemoteIdentity | undefined> {
    const out = (await this.call(recoverLine(this.meta.job_id), { timeoutMs: STEP_TIMEOUT_MS })).toString('utf8');
    return out.trim() === '' ? undefined : this.identity(out);
  }

  async phase(): Promise<RemotePhase> {
    const parsed = parsePhase((await this.call(phaseLine(this.meta.job_id), { timeoutMs: STEP_TIMEOUT_MS })).toString('utf8'));
    this.sizes = parsed.sizes;
    return parsed.phase;
  }

  async sync(_id: RemoteIdentity, logs: LogSink): Promise<void> {
    for (const stream of ['stdout', 'stderr'] as const) {
      const offset = logs.size(stream);
      if (this.sizes[stream] <= offset) continue;
      await this.call(readLine(this.meta.job_id, stream, offset), { timeoutMs: STEP_TIMEOUT_MS, onData: (chunk) => logs.append(stream, chunk) });
    }
  }

  async signal(_id: RemoteIdentity, signal: NodeJS.Signals): Promise<void> {
    await this.call(signalLine(this.meta.job_id, signal), { timeoutMs: STEP_TIMEOUT_MS });
  }

  async cleanup(): Promise<void> {
    await this.call(cleanupLine(this.meta.job_id), { timeoutMs: STEP_TIMEOUT_MS });
  }

  async close(): Promise<void> {
    // The multiplexed connection is shared and closes itself when idle (ControlPersist).
  }
}
