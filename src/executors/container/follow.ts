// A `RUNTIME logs [--follow] ID` child whose stdout and stderr are laid onto the local logs.
// Invariants:
// - The child only reads the runtime's log store: the container never writes through it, so a
//   slow or dead reader cannot stall the job, and any reader can start over from byte 0.
// - The CLI prints its own errors on the same stderr as the container's output. The newest
//   stderr chunk is therefore held back until more stderr follows, the child is still alive
//   150 ms after it arrived, or the child exits 0; a child that fails drops it (its bytes, if
//   they were output, are copied again by the next reader, by offset).
import { execa } from 'execa';
import { processStartTime } from '../../util/proc.js';
import type { LogSink } from '../port.js';
import { StreamRouter, type Stream } from './route.js';

const HOLD_MS = 150;

export interface StreamEnd {
  code: number | undefined;
  /** What the failed child said (its last stderr line). */
  error: string;
}

export class LogStream {
  readonly ended: Promise<StreamEnd>;
  exited = false;
  /** Set when local appends failed or a gap was seen; the child is stopped. */
  failure: Error | undefined;
  private readonly child;
  private readonly router: StreamRouter;
  private pending: Buffer | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastData = Date.now();

  constructor(runtime: string, id: string, follow: boolean, logs: LogSink) {
    this.router = new StreamRouter(logs);
    this.child = execa(runtime, ['logs', ...(follow ? ['--follow'] : []), id], { buffer: false, reject: false, stdin: 'ignore' });
    this.child.stdout.on('data', (b: Buffer) => {
      this.lastData = Date.now();
      this.take('stdout', b);
    });
    this.child.stderr.on('data', (b: Buffer) => {
      this.lastData = Date.now();
      this.hold(b);
    });
    this.ended = this.child.then((r) => {
      this.exited = true;
      clearTimeout(this.timer);
      const held = this.pending;
      this.pending = undefined;
      if (r.exitCode === 0 && held !== undefined) this.take('stderr', held);
      const error = r.exitCode === 0 ? '' : (held?.toString('utf8').trim().split('\n').pop() ?? r.shortMessage ?? '').slice(0, 300);
      return { code: r.exitCode, error: error || `exit code ${r.exitCode ?? 'none'}` };
    });
  }

  private take(stream: Stream, bytes: Buffer): void {
    if (this.failure !== undefined) return;
    try {
      if (!this.router.route(stream, bytes)) this.fail(new Error(`the ${stream} copy skipped bytes; starting over`));
    } catch (err) {
      this.fail(err as Error);
    }
  }

  private hold(bytes: Buffer): void {
    if (this.pending !== undefined) this.take('stderr', this.pending);
    this.pending = bytes;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const pid = this.child.pid;
      if (this.exited || this.pending === undefined || pid === undefined || processStartTime(pid) === undefined) return;
      const held = this.pending;
      this.pending = undefined;
      this.take('stderr', held);
    }, HOLD_MS);
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.child.kill('SIGKILL');
  }

  /** The child's end, or undefined once it went `idleMs` without delivering a byte. */
  endedUnlessIdle(idleMs: number): Promise<StreamEnd | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<undefined>((resolve) => {
      timer = setInterval(() => {
        if (Date.now() - this.lastData > idleMs) resolve(undefined);
      }, Math.min(1000, idleMs));
    });
    return Promise.race([this.ended, idle]).finally(() => clearInterval(timer));
  }

  /** Ends the child and waits for it. A reader holds no state: SIGKILL at once (docker's CLI may sit on a TERM for seconds). */
  async stop(): Promise<void> {
    if (!this.exited) this.child.kill('SIGKILL');
    await this.ended;
  }
}
