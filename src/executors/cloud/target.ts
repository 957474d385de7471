// Cloud target: a job runs on an instance exactly as an ssh job runs on its host — this target
// takes an instance (instances.ts) and hands every step to an SshTarget for that instance.
// Invariants:
// - The job is listed on its instance (under the executor's lock) before the instance is
//   provisioned or reused, and its recorded identity names the instance (state.remote.instance),
//   so a new supervisor re-attaches to the same instance, and recover() finds an instance whose
//   host was never recorded in the job's state through the instance records.
// - The instance is given back (releaseInstance) only once the job is terminal.
// - The instance record is read at each step: an instance destroyed under a job (`executors
//   down --force`) ends the job `lost`, never a retry against someone else's host.
import { dirname } from 'node:path';
import type { CloudExecutor } from '../types.js';
import type { JobMeta } from '../../store/types.js';
import type { RemoteIdentity } from '../../job/state.js';
import type { ResourceSource } from '../../store/resources.js';
import type { Resources } from '../../util/resources.js';
import { TargetError, type LogSink, type RemotePhase, type RemoteTarget, type SubmitSpec } from '../port.js';
import { SshTarget } from '../ssh/target.js';
import { sshDefFor } from './instance-ssh.js';
import { acquireInstance, releaseInstance } from './instances.js';
import { instanceNamed, instanceOfJob, jobActive } from './instance-records.js';
import { repairExecutor } from './destroy.js';
import { readState } from '../../store/jobs.js';
import type { InstanceRecord } from '../../store/cloud-instances.js';

export class CloudTarget implements RemoteTarget {
  readonly pollMs = 500;
  readonly enforcesTimeout = true;
  readonly startsOnSubmit = true;
  readonly resourceSource: ResourceSource = 'ssh';
  private readonly root: string;
  private ssh: { name: string; target: SshTarget } | undefined;
  private repair: Promise<unknown> | undefined;

  constructor(private readonly def: CloudExecutor, private readonly dir: string, private readonly meta: JobMeta) {
    this.root = dirname(dir);
  }

  private sshFor(rec: InstanceRecord): SshTarget {
    if (this.ssh?.name !== rec.name) this.ssh = { name: rec.name, target: new SshTarget(sshDefFor(this.root, rec, this.def), this.dir, this.meta) };
    return this.ssh.target;
  }

  /** The SshTarget of the job's recorded instance; throws (not transient) when the instance is gone. */
  private onInstance(id: RemoteIdentity): SshTarget {
    const rec = id.instance === undefined ? undefined : instanceNamed(this.root, this.meta.executor, id.instance);
    if (rec === undefined || rec.host === undefined || rec.state === 'destroying') throw new TargetError(`instance ${id.instance ?? '?'} of ${this.meta.executor} is gone`, false);
    return this.sshFor(rec);
  }

  private identityOn(rec: InstanceRecord, ssh: RemoteIdentity): RemoteIdentity {
    const out: RemoteIdentity = { ...ssh, instance: rec.name };
    if (rec.instance_id !== undefined) out.instance_id = rec.instance_id;
    if (rec.hourly_cost !== undefined) out.hourly_cost = rec.hourly_cost / this.def.instance_jobs;
    return out;
  }

  prepare(): RemoteIdentity {
    return {};
  }

  async submit(spec: SubmitSpec): Promise<RemoteIdentity> {
    // What a crash left of this executor is repaired beside the job, never in its way.
    this.repair = repairExecutor(this.root, this.meta.executor, { idle: false }).catch(() => undefined);
    const rec = await acquireInstance(this.root, this.meta.executor, this.def, this.meta.job_id, this.dir);
    return this.identityOn(rec, await this.sshFor(rec).submit(spec));
  }

  async recover(): Promise<RemoteIdentity | undefined> {
    const rec = instanceOfJob(this.root, this.meta.executor, this.meta.job_id);
    if (rec === undefined) return undefined;
    if (rec.state !== 'ready') {
      // Provisioned for this job by a supervisor that died: the job never got there.
      await repairExecutor(this.root, this.meta.executor, { idle: false });
      return undefined;
    }
    const found = await this.sshFor(rec).recover();
    return found === undefined ? undefined : this.identityOn(rec, found);
  }

  async phase(id: RemoteIdentity): Promise<RemotePhase> {
    let ssh: SshTarget;
    try {
      ssh = this.onInstance(id);
    } catch (err) {
      return { phase: 'ended', lostReason: (err as Error).message };
    }
    return ssh.phase();
  }

  sync(id: RemoteIdentity, logs: LogSink): Promise<void> {
    return this.onInstance(id).sync(id, logs);
  }

  signal(id: RemoteIdentity, signal: NodeJS.Signals): Promise<void> {
    return this.onInstance(id).signal(id, signal);
  }

  sample(id: RemoteIdentity, startedAt: string | undefined, timeoutMs: number): Promise<Resources | undefined> {
    return this.onInstance(id).sample(id, startedAt, timeoutMs);
  }

  async cleanup(id: RemoteIdentity): Promise<void> {
    // An instance already destroyed took the job's remote directory with it.
    const rec = id.instance === undefined ? undefined : instanceNamed(this.root, this.meta.executor, id.instance);
    if (rec?.state === 'ready') await this.sshFor(rec).cleanup();
  }

  /** The instance the job's state names (state.remote.instance), if it can be read. */
  private recordedInstance(): string | undefined {
    try {
      return readState(this.dir).remote?.instance;
    } catch {
      return undefined;
    }
  }

  async close(): Promise<void> {
    await this.repair;
    if (!jobActive(this.root, this.meta.job_id)) await releaseInstance(this.root, this.meta.executor, this.meta.job_id, this.ssh?.name ?? this.recordedInstance());
    await this.ssh?.target.close();
  }
}
