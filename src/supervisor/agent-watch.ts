// The supervisor's reading of an agent job's stream: stdout.log is parsed from its first byte as
// it grows (partial lines buffered by the stream reader), the activity record (agent.json) is
// rewritten when it changed, at most every WRITE_EVERY_MS, and a CLI that has no turn limit of
// its own is stopped once it starts a turn past --max-turns.
// Invariants:
// - The log is only read: stdout.log stays the agent's exact output, raw lines included.
// - The record is rebuilt from the log by every supervisor of the job (a re-attached or retried
//   one starts again at byte 0 of the current log), so it never depends on an earlier process.
// - finish() reads the log to its end before the outcome is decided; its record (with outcome)
//   is on disk before the job's terminal state is recorded.
import { jobFiles } from '../store/jobs.js';
import { readTail } from '../store/tail.js';
import { writeActivity } from '../store/agent-files.js';
import { AgentLogReader } from '../agents/log-reader.js';
import { Activity, type AgentEnd } from '../agents/activity.js';
import type { AgentActivity, AgentEvent, AgentSpec } from '../agents/types.js';
import { nowIso } from '../util/time.js';
import { log } from '../log.js';

/** Parsed per poll at most: a re-attached supervisor catching up on a big log stays responsive. */
const POLL_BUDGET = 8 * 1024 * 1024;

/** The last non-empty line of a log (at most 300 characters), if any. */
function lastLine(path: string): string | undefined {
  let text: string;
  try {
    text = readTail(path, 1, 4096).text;
  } catch {
    return undefined; // a log that is not a regular file has no line to show
  }
  const line = text.trim().split('\n').at(-1)?.trim();
  return line ? line.slice(0, 300) : undefined;
}
const WRITE_EVERY_MS = 250;

export class AgentWatch {
  private readonly reader: AgentLogReader;
  private readonly activity: Activity;
  private dirty = true;
  private lastWrite = 0;
  private overLimit = false;

  constructor(
    private readonly dir: string,
    private readonly spec: AgentSpec,
    /** An earlier supervisor of this job already stopped it for its turn limit (kill_reason). */
    alreadyStopped: boolean,
    /** Called once when a CLI without its own limit begins a turn past max_turns. */
    private readonly onTurnLimit: () => void,
  ) {
    this.reader = new AgentLogReader(jobFiles(dir).stdout, spec.name);
    this.activity = new Activity(spec.name, spec.max_turns);
    this.overLimit = alreadyStopped;
  }

  /** True once the supervisor had to stop the agent for its turn limit. */
  get stoppedForMaxTurns(): boolean {
    return this.overLimit;
  }

  /** Parses what was appended since the last call; writes the record when due. */
  poll(): void {
    const caughtUp = this.reader.read((events) => this.apply(events), POLL_BUDGET);
    // Turns are counted on what was read so far: only a caught-up reader may stop the agent.
    if (caughtUp) this.checkTurns();
    if (this.dirty && Date.now() - this.lastWrite >= WRITE_EVERY_MS) this.write(this.activity.record());
  }

  /** The job ended: reads the rest, decides the outcome and writes the final record. */
  finish(end: Omit<AgentEnd, 'stoppedForMaxTurns'>): AgentActivity {
    this.reader.read((events) => this.apply(events));
    this.apply(this.reader.end());
    // A CLI that could not start (bad flag, no login) says why on stderr, not in its stream.
    const stderrLine = lastLine(jobFiles(this.dir).stderr);
    const record = this.activity.finish({ ...end, stoppedForMaxTurns: this.overLimit, ...(stderrLine !== undefined ? { stderrLine } : {}) }, nowIso());
    this.write(record);
    return record;
  }

  private apply(events: AgentEvent[]): void {
    if (events.length > 0 && this.activity.apply(events, nowIso())) this.dirty = true;
  }

  private checkTurns(): void {
    const max = this.spec.max_turns;
    // A CLI that printed its result is done: it is neither stopped nor judged by the limit.
    if (this.overLimit || this.spec.cli_limits_turns || max === undefined || this.activity.turns <= max || this.activity.resultSeen) return;
    this.overLimit = true;
    log.info(`agent began turn ${this.activity.turns} of at most ${max}: stopping it`);
    this.onTurnLimit();
  }

  private write(record: AgentActivity): void {
    try {
      writeActivity(this.dir, record);
      this.dirty = false;
      this.lastWrite = Date.now();
    } catch (err) {
      log.warn(`activity record not written: ${(err as Error).message}`);
    }
  }
}
