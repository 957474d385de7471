// Concurrency slots of queues and executors (placeholder: no limits yet).
import type { JobMeta } from '../store/types.js';
import type { Config } from '../config.js';

/** Waits for a slot in every limit that applies; returns its release, or 'gone' if killed meanwhile. */
export async function acquireSlots(_dir: string, _meta: JobMeta, _config: Config | undefined, _options: { resumed: boolean }): Promise<(() => void) | 'gone'> {
  return () => undefined;
}
