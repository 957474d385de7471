// `jobctl runner`: a long-lived process on the machine that runs the jobs. It only ever calls
// the server (long polling: no inbound connection), claims the jobs offered to it, runs each as
// a local job of its own root and reports them back (held-job.ts).
// Invariants:
// - One runner per root (store/runner-lock.ts): a second one on the same root is refused, so no
//   two processes take up the same records.
// - At most `maxConcurrent` jobs are held at once; offers are asked for only while a slot is free.
// - A restarted runner takes up every job its root records (re-attaching to the local jobs their
//   supervisors still run) before it asks for new ones.
// - Every held job is reported at least every `reportEveryMs` while the server answers: the
//   reports are the runner's contact, which keeps its jobs' leases alive.
// - Losing the server only delays: every call is retried with backoff, nothing held is dropped.
// - The poll loop never spins: an answer that brings nothing new (every offer already held, its
//   claim not sent yet) waits for the next report round before the next poll.
import { JobError } from '../errors.js';
import { log } from '../log.js';
import { readHeldJobs } from '../store/runner-claims.js';
import { lockRunnerRoot, unlockRunnerRoot } from '../store/runner-lock.js';
import type { RunnerClient } from './client.js';
import { HeldJob } from './held-job.js';
import type { Scope } from './local-job.js';

export interface RunnerOptions extends Scope {
  client: RunnerClient;
  labels: string[];
  maxConcurrent: number;
  /** How long one poll may be held open by the server. */
  pollWaitMs: number;
  reportEveryMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const MAX_BACKOFF_MS = 10_000;

export class Runner {
  private readonly held = new Map<string, HeldJob>();
  private readonly scope: Scope;
  private stopping = false;
  private wake: (() => void) | undefined;

  constructor(private readonly options: RunnerOptions) {
    this.scope = { root: options.root, config: options.config };
    lockRunnerRoot(options.root);
    for (const record of readHeldJobs(options.root)) this.held.set(record.server_job_id, new HeldJob(record, this.scope, options.client));
  }

  get heldCount(): number {
    return this.held.size;
  }

  private poll(waitMs: number, max: number): Promise<Record<string, unknown>> {
    const query = new URLSearchParams({ wait: String(waitMs), max: String(max) });
    for (const label of this.options.labels) query.append('label', label);
    return this.options.client.call('GET', `/poll?${query.toString()}`, undefined, waitMs + 15_000);
  }

  /** The first contact: resolves once the server answered; a refusal (bad token, unknown name) rejects. */
  async connect(): Promise<void> {
    for (let failures = 0; ; failures++) {
      try {
        await this.poll(0, 1);
        return;
      } catch (err) {
        if (!(err instanceof JobError) || !err.retryable) throw err;
        log.warn(`runner: ${err.message}`);
        await sleep(Math.min(MAX_BACKOFF_MS, 500 * 2 ** failures));
      }
    }
  }

  /** Runs until stop(): the report loop and the poll loop side by side. */
  async run(): Promise<void> {
    await Promise.all([this.reportLoop(), this.pollLoop()]);
  }

  stop(): void {
    this.stopping = true;
    this.wake?.();
  }

  /** Gives the root up for the next runner (after stop()). */
  release(): void {
    unlockRunnerRoot(this.options.root);
  }

  private async pause(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => { this.wake = undefined; resolve(); }, ms);
      this.wake = () => { clearTimeout(timer); this.wake = undefined; resolve(); };
    });
  }

  private async pollLoop(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      const free = this.options.maxConcurrent - this.held.size;
      if (free <= 0) {
        await sleep(this.options.reportEveryMs);
        continue;
      }
      try {
        const answer = await this.poll(this.options.pollWaitMs, free);
        failures = 0;
        let taken = 0;
        for (const offer of (answer['offers'] as { job_id: string }[] | undefined) ?? []) {
          if (this.held.has(offer.job_id) || this.held.size >= this.options.maxConcurrent) continue;
          const job = HeldJob.claimNew(this.scope, this.options.client, offer.job_id);
          this.held.set(offer.job_id, job);
          taken++;
        }
        this.wake?.();
        // Nothing new (offers held already, their claims not sent yet): let the report loop claim them.
        if (taken === 0) await sleep(this.options.reportEveryMs);
      } catch (err) {
        failures++;
        log.warn(`runner: poll: ${(err as Error).message}`);
        await sleep(Math.min(MAX_BACKOFF_MS, 250 * 2 ** failures));
      }
    }
  }

  private async reportLoop(): Promise<void> {
    while (!this.stopping) {
      let more = false;
      for (const job of [...this.held.values()]) {
        if (this.stopping) break;
        if (await job.step()) more = true;
        if (job.finished) this.held.delete(job.serverJobId);
      }
      if (!more) await this.pause(this.options.reportEveryMs);
    }
  }
}
