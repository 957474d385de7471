// Enforces max_log_bytes: checked on every supervisor tick (100 ms); the first log found past
// the cap gets the job SIGKILLed at once — a runaway writer gets no grace — and, once the job
// has ended, each log is cut back to exactly the cap.
import { truncateSync } from 'node:fs';
import { fileSize } from '../store/jobs.js';
import type { StreamName } from '../store/types.js';

export class LogLimit {
  exceeded = false;

  constructor(
    private readonly paths: Record<StreamName, string>,
    private readonly maxBytes: number | undefined,
    private readonly onExceeded: () => void,
  ) {}

  check(): void {
    if (this.exceeded || this.maxBytes === undefined) return;
    const cap = this.maxBytes;
    if (fileSize(this.paths.stdout) > cap || fileSize(this.paths.stderr) > cap) {
      this.exceeded = true;
      this.onExceeded();
    }
  }

  /** Cuts each log back to the cap; true when anything was cut. */
  truncate(): boolean {
    if (this.maxBytes === undefined) return false;
    let cut = false;
    for (const path of [this.paths.stdout, this.paths.stderr]) {
      if (fileSize(path) > this.maxBytes) {
        truncateSync(path, this.maxBytes);
        cut = true;
      }
    }
    return cut;
  }
}
