// Placeholder: not implemented yet.
import type { SshExecutor } from '../../executors/types.js';
import type { JobMeta, RemoteIdentity } from '../../store/types.js';
import { TargetError, type LogSink, type RemotePhase, type RemoteTarget, type SubmitSpec } from './remote-target.js';

export class SshTarget implements RemoteTarget {
  readonly pollMs = 500;
  constructor(readonly def: SshExecutor, readonly dir: string, readonly meta: JobMeta) {}
  prepare(_spec: SubmitSpec): RemoteIdentity { return {}; }
  async submit(_spec: SubmitSpec, _prepared: RemoteIdentity): Promise<RemoteIdentity> { throw new TargetError('not implemented', false); }
  async recover(_spec: SubmitSpec, _prepared: RemoteIdentity): Promise<RemoteIdentity | undefined> { return undefined; }
  async phase(_id: RemoteIdentity): Promise<RemotePhase> { throw new TargetError('not implemented', false); }
  async sync(_id: RemoteIdentity, _logs: LogSink): Promise<void> {}
  async signal(_id: RemoteIdentity, _signal: NodeJS.Signals): Promise<void> {}
  async cleanup(_id: RemoteIdentity): Promise<void> {}
  async close(): Promise<void> {}
}
