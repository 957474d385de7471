// resources.json: the latest resource sample of a running remote job, taken by its supervisor
// (supervisor/resource-sampler.ts) and shown by `status`, which thus stays a local file read.
// Invariants:
// - Replaced atomically: a reader never sees half a sample.
// - Only the job's supervisor writes it, and removes it when the job stops running; a reader
//   that still finds one from an ended job ignores it (status shows it for running jobs only).
import { rmSync } from 'node:fs';
import { readJsonIfPresent, writeJsonAtomic } from './atomic.js';
import { jobFiles } from './jobs.js';
import type { Resources } from '../util/resources.js';

/** Where a remote sample came from: the host's /proc over ssh, the container runtime, sstat. */
export type ResourceSource = 'ssh' | 'docker' | 'podman' | 'slurm' | 'runner';

export interface ResourceSample extends Resources {
  sampled_at: string;
  source: ResourceSource;
}

export function writeResources(dir: string, sample: ResourceSample): void {
  // No directory fsync: a sample lost in a crash is replaced by the next one.
  writeJsonAtomic(jobFiles(dir).resources, sample, 0o600, false);
}

/** The latest sample, or undefined when there is none (or it cannot be read). */
export function readResources(dir: string): ResourceSample | undefined {
  return readJsonIfPresent<ResourceSample>(jobFiles(dir).resources);
}

export function clearResources(dir: string): void {
  rmSync(jobFiles(dir).resources, { force: true });
}
