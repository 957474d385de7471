// Container target: the job runs in a docker or podman container (`RUNTIME run -d --init`),
// whose init process forwards signals to the job and reaps its children.
// Invariants:
// - One container per job, named jobctl-<job id> and labelled jobctl.job=<job id>; the name is
//   recorded before `run`, so a supervisor that died mid-submit (or whose `run` timed out)
//   finds the container or knows there is none. A refused `run` leaves no container behind.
// - No --rm: the container, its exit status and its log stay until cleanup(), so the end is
//   always observed and every byte can still be copied after the job ended.
// - Environment values and an agent job's prompt never appear in a command line
//   (args.ts): the prompt is a 0600 copy in the spool directory, mounted read-only.
// - Output reaches the local logs only through offset-checked copies out of the runtime's log
//   store, never through a pipe the container writes into: with docker a `logs --follow` child
//   (restarted when it dies) and, after the end, a one-shot `logs`; with podman its k8s-file
//   log read from disk (or, where that file is out of reach, one `logs` after the end). Once
//   phase() saw the end, sync() resolves only when every byte is local.
// - close() ends every child process this target started.
import type { ContainerExecutor } from '../types.js';
import type { JobMeta } from '../../store/types.js';
import type { RemoteIdentity } from '../../job/state.js';
import { removeSpoolFile, writeSpoolFile } from '../../store/spool.js';
import { readState } from '../../store/jobs.js';
import { TargetError, type LogSink, type RemotePhase, type RemoteTarget, type SubmitSpec } from '../port.js';
import { cliFailure, isNoSuchContainer, isUnreachable, runFailure, runtimeCli, type CliResult } from './cli.js';
import { containerName, planEnv, runArgs } from './args.js';
import { containerPhase, LOST_REASON, type ContainerState } from './state.js';
import { LogStream } from './follow.js';
import { K8sLogReader } from './k8s-log.js';
import { containerResources } from './resources.js';
import { spoolStdin } from '../spool-prompt.js';
import type { Resources } from '../../util/resources.js';

/** The env file of masked values, in the spool only while `run` reads it. */
const ENV_FILE = 'container.env';
const CALL_MS = 30_000;
const KILL_MS = 10_000;
/** A one-shot `logs` may take long for a big log, but not stall. */
const ONE_SHOT_IDLE_MS = 60_000;
/** Podman log bytes copied per sync while the job runs (the rest on the next poll). */
const RUNNING_READ_LIMIT = 32 * 1024 * 1024;

export class ContainerTarget implements RemoteTarget {
  readonly pollMs = 300;
  private started = false;
  private ended = false;
  private gone = false;
  private signalled = false;
  private follower: LogStream | undefined;
  private logPath: string | undefined;
  private k8s: K8sLogReader | undefined;

  constructor(readonly def: ContainerExecutor, readonly dir: string, readonly meta: JobMeta) {}

  get resourceSource(): 'docker' | 'podman' {
    return this.def.runtime;
  }

  private runtime(id: RemoteIdentity): string {
    return id.runtime ?? this.def.runtime;
  }

  private ref(id: RemoteIdentity): string {
    return id.container_id ?? id.container_name ?? containerName(this.meta);
  }

  prepare(): RemoteIdentity {
    return { runtime: this.def.runtime, container_name: containerName(this.meta) };
  }

  async submit(spec: SubmitSpec): Promise<RemoteIdentity> {
    const runtime = this.def.runtime;
    const name = containerName(this.meta);
    const plan = planEnv(spec.env);
    // The prompt's copy stays: a container that recover() starts later mounts it then.
    const prompt = spoolStdin(this.dir, spec.stdin);
    let envFile: string | undefined;
    let r: CliResult;
    try {
      if (plan.envFile !== '') envFile = writeSpoolFile(this.dir, ENV_FILE, plan.envFile);
      // A timeout may leave a container behind: it stays, for the supervisor's recover().
      r = await runtimeCli(runtime, runArgs(this.def, this.meta, plan, envFile, prompt), { timeoutMs: CALL_MS, env: plan.cliEnv });
    } finally {
      if (envFile !== undefined) removeSpoolFile(this.dir, ENV_FILE);
    }
    const containerId = r.stdout.trim().split('\n').pop() ?? '';
    if (r.code === 0 && /^[0-9a-f]{12,64}$/.test(containerId)) return { runtime, container_name: name, container_id: containerId };
    const error = runFailure(runtime, this.def.image, r);
    // A refused run may still have created the container (podman does when the OCI runtime fails).
    if (!error.transient) await this.removeQuietly(runtime, name);
    throw error;
  }

  async recover(_spec: SubmitSpec, prepared: RemoteIdentity): Promise<RemoteIdentity | undefined> {
    const runtime = this.runtime(prepared);
    const name = prepared.container_name ?? containerName(this.meta);
    const r = await runtimeCli(runtime, ['container', 'inspect', '--format', '{{.Id}} {{.State.Status}}', name], { timeoutMs: CALL_MS });
    if (isNoSuchContainer(r)) return undefined;
    if (r.code !== 0) throw cliFailure(runtime, 'inspect', r);
    const [containerId = '', status] = r.stdout.trim().split(' ');
    if (status === 'created') {
      // `run` stopped between creating and starting it: start it as run would have.
      const started = await runtimeCli(runtime, ['start', name], { timeoutMs: CALL_MS });
      if (started.code !== 0) throw cliFailure(runtime, 'start', started);
    }
    return { runtime, container_name: name, container_id: containerId };
  }

  async phase(id: RemoteIdentity): Promise<RemotePhase> {
    const runtime = this.runtime(id);
    const format = runtime === 'podman' ? '{{json .State}}\n{{json .HostConfig.LogConfig}}' : '{{json .State}}';
    const r = await runtimeCli(runtime, ['container', 'inspect', '--format', format, this.ref(id)], { timeoutMs: CALL_MS });
    if (isNoSuchContainer(r)) {
      this.gone = this.ended = true;
      return { phase: 'ended', lostReason: LOST_REASON };
    }
    if (r.code !== 0) throw cliFailure(runtime, 'inspect', r);
    const [stateLine = '', logLine] = r.stdout.split('\n');
    let state: ContainerState;
    try {
      state = JSON.parse(stateLine) as ContainerState;
      if (logLine) this.logPath ??= (JSON.parse(logLine) as { Path?: string }).Path || undefined;
    } catch {
      throw new TargetError(`${runtime} inspect gave an unexpected answer: ${r.stdout.slice(0, 200)}`, true);
    }
    const phase = containerPhase(state, { runtime, memoryLimitBytes: this.meta.memory_limit_bytes, signalled: this.signalled || (state.ExitCode === 137 && this.signalledBefore()) });
    if (phase.phase !== 'pending') this.started = true;
    if (phase.phase === 'ended') this.ended = true;
    return phase;
  }

  async sync(id: RemoteIdentity, logs: LogSink): Promise<void> {
    if (this.gone) return this.close();
    if (!this.started) return;
    const reader = this.logReader(logs);
    if (reader !== undefined) return reader.drain(this.ended ? undefined : RUNNING_READ_LIMIT);
    return this.ended ? this.finishStream(id, logs) : this.keepFollowing(id, logs);
  }

  /** podman's k8s-file log once this machine can read it. */
  private logReader(logs: LogSink): K8sLogReader | undefined {
    if (this.k8s === undefined && this.logPath !== undefined) this.k8s = K8sLogReader.open(this.logPath, logs) ?? undefined;
    return this.k8s;
  }

  private async keepFollowing(id: RemoteIdentity, logs: LogSink): Promise<void> {
    const runtime = this.runtime(id);
    // podman's own `logs --follow` loses bytes: without its log file, copy once it ended.
    if (runtime === 'podman') return;
    const current = this.follower;
    if (current !== undefined && !current.exited && current.failure === undefined) return;
    this.follower = undefined;
    if (current !== undefined) {
      await current.stop();
      const end = await current.ended;
      if (current.failure !== undefined) throw new TargetError(`copying output: ${current.failure.message}`, true);
      if (end.code !== 0 && !/no such container/i.test(end.error)) throw new TargetError(`${runtime} logs: ${end.error}`, isUnreachable(end.error));
    }
    this.follower = new LogStream(runtime, this.ref(id), true, logs);
  }

  /**
   * After the end: a one-shot `logs` copies whatever the follower did not. It always runs:
   * docker's `logs --follow` (20.10) may exit 0 at the container's end before it delivered the
   * bytes it was behind on.
   */
  private async finishStream(id: RemoteIdentity, logs: LogSink): Promise<void> {
    const runtime = this.runtime(id);
    await this.close();
    const once = new LogStream(runtime, this.ref(id), false, logs);
    const end = await once.endedUnlessIdle(ONE_SHOT_IDLE_MS);
    await once.stop();
    if (end === undefined) throw new TargetError(`${runtime} logs delivered nothing for ${ONE_SHOT_IDLE_MS}ms`, true);
    if (once.failure !== undefined) throw new TargetError(`copying output: ${once.failure.message}`, true);
    if (end.code === 0) return;
    if (/no such container/i.test(end.error)) return void (this.gone = true);
    throw new TargetError(`${runtime} logs: ${end.error}`, isUnreachable(end.error));
  }

  async signal(id: RemoteIdentity, signal: NodeJS.Signals): Promise<void> {
    const runtime = this.runtime(id);
    const r = await runtimeCli(runtime, ['kill', '--signal', signal, this.ref(id)], { timeoutMs: KILL_MS });
    // A container that already ended (or is gone) needs no signal.
    if (r.code !== 0 && !isNoSuchContainer(r) && !/not running|state improper/i.test(r.stderr)) throw cliFailure(runtime, 'kill', r);
    this.signalled = true;
  }

  async sample(id: RemoteIdentity, _startedAt: string | undefined, timeoutMs: number): Promise<Resources | undefined> {
    return this.ended ? undefined : containerResources(this.runtime(id), this.ref(id), timeoutMs);
  }

  async cleanup(id: RemoteIdentity): Promise<void> {
    const runtime = this.runtime(id);
    const r = await runtimeCli(runtime, ['rm', '-f', this.ref(id)], { timeoutMs: CALL_MS });
    if (r.code !== 0 && !isNoSuchContainer(r)) throw cliFailure(runtime, 'rm', r);
  }

  async close(): Promise<void> {
    const follower = this.follower;
    this.follower = undefined;
    await follower?.stop();
  }

  /** An earlier supervisor of this job may have signalled it (recorded in state.json). */
  private signalledBefore(): boolean {
    try {
      const st = readState(this.dir);
      return st.kill_request !== undefined || st.timed_out === true || st.kill_reason !== undefined;
    } catch {
      return false;
    }
  }

  private async removeQuietly(runtime: string, name: string): Promise<void> {
    await runtimeCli(runtime, ['rm', '-f', name], { timeoutMs: KILL_MS }).catch(() => undefined);
  }
}
