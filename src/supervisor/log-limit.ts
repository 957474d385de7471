// Enforces max_log_bytes: checked on every supervisor tick (100 ms); the first log found past
// the cap gets the job SIGKILLed at once — a runaway writer gets no grace — and, once the job
// has ended, each log is cut back to exactly the cap.
import { fileSize } from '../store/jobs.js';
import { truncateLog } from '../store/job-logs.js';
import type { StreamName } from '../store/types.js';

export class LogLimit {
  exceeded = false;

  constructor(
    private readonly dir: string,
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
    const cutOut = truncateLog(this.dir, 'stdout', this.maxBytes);
    const cutErr = truncateLog(this.dir, 'stderr', this.maxBytes);
    return cutOut || cutErr;
  }
}
