// What jobctl asks of a cloud (provider-command.ts, provider-hetzner.ts): make an instance under
// a name jobctl chose, and destroy one — by its id, or by that name alone when a crash left a
// record without an id. Each call is bounded by a deadline; a failure says whether something
// may exist.
import type { CloudExecutor } from '../types.js';
import type { InstanceAddress } from '../../store/cloud-instances.js';
import type { RecordGroup } from './command-group.js';
import { commandProvider } from './provider-command.js';
import { hetznerProvider } from './provider-hetzner.js';

export class ProvisionError extends Error {
  constructor(
    message: string,
    /** What the provider made before failing (its id), to be destroyed; undefined: nothing, or unknown. */
    readonly created?: InstanceAddress,
    /** True when something may exist under the name although no id came back (a timeout). */
    readonly mayExist = false,
  ) {
    super(message);
    this.name = 'ProvisionError';
  }
}

/** The instance a destroy call names: always its name, its id when it is known. */
export interface InstanceRef extends InstanceAddress {
  name: string;
  executor: string;
}

/** How long a call may take, and where a command provider records its process group first. */
export interface CallOptions {
  deadlineMs: number;
  recordGroup?: RecordGroup;
}

/** Thrown when the provider cannot be asked at all from this process (no API token). */
export class ProviderUnusable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProviderUnusable';
  }
}

export interface CloudProvider {
  /** Makes the instance `ref.name`; resolves once it has an address (not yet once SSH answers). */
  provision(ref: { name: string; executor: string }, options: CallOptions): Promise<InstanceAddress>;
  /** Destroys it; resolves once the provider confirmed (an instance already gone is confirmed). */
  destroy(ref: InstanceRef, options: CallOptions): Promise<void>;
}

export function providerFor(def: CloudExecutor): CloudProvider {
  return def.provider === 'hetzner' ? hetznerProvider(def) : commandProvider(def);
}
