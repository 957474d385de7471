// Reads an agent job's stdout.log from its first byte as it grows and parses it into events,
// through the store (readLogFrom): one reader for the supervisor (activity record, turn limits)
// and for `logs --activity`.
import { readLogFrom } from '../store/log-range.js';
import { fileSize } from '../store/jobs.js';
import { createAgentStream, type AgentStream } from './stream.js';
import type { AgentEvent, AgentName } from './types.js';

const READ_BYTES = 1024 * 1024;

export class AgentLogReader {
  private readonly stream: AgentStream;
  private offset = 0;

  constructor(private readonly path: string, agent: AgentName) {
    this.stream = createAgentStream(agent);
  }

  /**
   * Parses up to `budget` new bytes, handing each chunk's events to `take`; true when it
   * reached the log's current end.
   */
  read(take: (events: AgentEvent[]) => void, budget = Infinity): boolean {
    for (let left = budget; left > 0; ) {
      const chunk = readLogFrom(this.path, this.offset, Math.min(READ_BYTES, left));
      if (chunk.length === 0) return true;
      this.offset += chunk.length;
      left -= chunk.length;
      const events = this.stream.push(chunk);
      if (events.length > 0) take(events);
    }
    return fileSize(this.path) <= this.offset;
  }

  /** The log is complete (the job ended): the events of a last line without newline. */
  end(): AgentEvent[] {
    return this.stream.end();
  }
}
