// Resource samples of a running remote job (status `resources`), stored in resources.json.
// Invariants:
// - Sampling never holds up the poll loop: it runs on its own timer, at most one sample at a
//   time, each bounded by SAMPLE_TIMEOUT_MS; one that overruns is abandoned and its answer
//   ignored.
// - No sample is taken while the executor is out of reach, and a failing sample is only logged
//   (debug): it never changes the job's state nor its contact record.
// - Once stopped, nothing more is written and the last sample is removed, so an ended job shows
//   none (status also shows one only while the job is running).
import { clearResources, writeResources } from '../store/resources.js';
import type { RemoteIdentity } from '../job/state.js';
import { nowIso } from '../util/time.js';
import { log } from '../log.js';
import type { RemoteTarget } from '../executors/port.js';

/** Between two samples, unless the target says otherwise (sampleEveryMs). */
const SAMPLE_EVERY_MS = 5000;
/** Until a first sample came back (an executor may have no figures yet right after the start)... */
const FIRST_SAMPLE_RETRY_MS = 2000;
/** ...at most this many times: an executor that never gives figures is asked at the normal pace. */
const FIRST_SAMPLE_RETRIES = 5;
const SAMPLE_TIMEOUT_MS = 10_000;

export class ResourceSampler {
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private stopped = false;
  private startedAt: string | undefined;
  private sampled = false;
  private attempts = 0;
  private started = false;

  constructor(
    private readonly dir: string,
    private readonly target: RemoteTarget,
    private readonly id: RemoteIdentity,
    private readonly reachable: () => boolean,
  ) {}

  /**
   * Takes a first sample now, then every SAMPLE_EVERY_MS (or the target's interval); every
   * FIRST_SAMPLE_RETRY_MS until one came back. Idempotent.
   */
  start(startedAt: string | undefined): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.startedAt = startedAt;
    this.tick();
  }

  private schedule(): void {
    if (this.stopped) return;
    const normal = this.target.sampleEveryMs ?? SAMPLE_EVERY_MS;
    const every = this.sampled || this.attempts >= FIRST_SAMPLE_RETRIES ? normal : Math.min(FIRST_SAMPLE_RETRY_MS, normal);
    this.timer = setTimeout(() => this.tick(), every);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    try {
      clearResources(this.dir);
    } catch (err) {
      log.debug(`removing the resource sample: ${(err as Error).message}`);
    }
  }

  private tick(): void {
    if (this.stopped) return;
    if (this.busy || !this.reachable()) return this.schedule();
    this.busy = true;
    this.attempts++;
    void this.sampleOnce().finally(() => {
      this.busy = false;
      this.schedule();
    });
  }

  private async sampleOnce(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const overrun = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${SAMPLE_TIMEOUT_MS}ms`)), SAMPLE_TIMEOUT_MS + 1000);
    });
    try {
      const sample = await Promise.race([this.target.sample(this.id, this.startedAt, SAMPLE_TIMEOUT_MS), overrun]);
      // Checked in the same tick as the write: a sample that lands after stop() is dropped.
      if (sample !== undefined && !this.stopped) {
        writeResources(this.dir, { ...sample, sampled_at: nowIso(), source: this.target.resourceSource });
        this.sampled = true;
      }
    } catch (err) {
      log.debug(`resource sample: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }
}
