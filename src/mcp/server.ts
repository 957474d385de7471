// `jobctl mcp`: a Model Context Protocol server over stdio. Each tool call is one command called
// through the library (library/call.ts) with the server's root and config; its answer is the
// CLI's JSON object, as structured content and as text. A failure is a tool error (isError)
// carrying the CLI's error object. Stdout carries protocol messages only (diagnostics go to
// stderr). The server's end — the client closing stdin, or a signal — touches no job: every job
// has its own detached supervisor, and a pending wait is only an observation. Only a `run` still
// in flight holds the end back (at most the wait bound), so that a job being launched is not left
// claimed without its supervisor.
import { toJobError, usageError, type JobError } from '../errors.js';
import { errorEnvelope } from '../output.js';
import { log } from '../log.js';
import { VERSION } from '../version.js';
import { nearest } from '../util/suggest.js';
import { callCommand } from '../library/call.js';
import { snakeCase, tools } from './tools.js';
import { checkArguments } from './arguments.js';
import { boundCall, clampedFields, withProgress } from './bounded-wait.js';

export interface McpServerOptions {
  /** The job root every call uses (resolved). */
  root: string;
  /** --config as given to the server. */
  config: string | undefined;
  maxWaitMs: number;
}

interface ToolResult {
  [key: string]: unknown;
  content: { type: 'text'; text: string }[];
  structuredContent: Record<string, unknown>;
  isError?: boolean;
}

interface CallExtra {
  _meta?: { progressToken?: string | number };
  sendNotification(notification: { method: 'notifications/progress'; params: Record<string, unknown> }): Promise<void>;
}

const INSTRUCTIONS = 'jobctl runs commands as background jobs that outlive this session. Start work with run (it answers after snapshot_after), check with status or tail, and block with wait instead of polling: a wait answers wait_timed_out:true at its bound, then call it again. Durations: 250ms, 10s, 5m, 2h; a bare integer is milliseconds.';

const answer = (obj: Record<string, unknown>, isError = false): ToolResult => ({
  content: [{ type: 'text', text: JSON.stringify(obj) }],
  structuredContent: obj,
  ...(isError ? { isError: true } : {}),
});

async function callTool(name: string, args: unknown, extra: CallExtra, options: McpServerOptions): Promise<ToolResult> {
  try {
    const tool = tools.find((t) => t.name === name);
    if (tool === undefined) {
      const near = nearest(name, tools.map((t) => t.name));
      throw usageError(`unknown tool ${JSON.stringify(name.slice(0, 100))}${near !== undefined ? `; did you mean ${near}?` : ''}`, { tool: name.slice(0, 100) });
    }
    const bounded = boundCall(tool.name, checkArguments(tool, args), options.maxWaitMs);
    const call = callCommand(tool.def, { ...bounded.args, root: options.root, config: options.config }, snakeCase);
    const token = extra._meta?.progressToken;
    const result = token === undefined ? await call : await withProgress(call, bounded.blocksFor, (progress, total) => {
      const params = { progressToken: token, progress, ...(total > 0 ? { total } : {}), message: `${tool.name}: ${Math.round(progress / 1000)}s` };
      extra.sendNotification({ method: 'notifications/progress', params }).catch((err: unknown) => log.debug(`progress: ${String(err)}`));
    });
    return answer(clampedFields(result, bounded.clampedTo));
  } catch (err) {
    const e: JobError = toJobError(err);
    if (e.code === 'internal_error') log.warn(`${name}: ${e.message}`);
    return answer(errorEnvelope(e), true);
  }
}

/** Serves until the client closes stdin (or the transport fails). */
export async function serveMcp(options: McpServerOptions): Promise<void> {
  const [{ Server }, { StdioServerTransport }, { CallToolRequestSchema, ListToolsRequestSchema }] = await Promise.all([
    import('@modelcontextprotocol/sdk/server/index.js'),
    import('@modelcontextprotocol/sdk/server/stdio.js'),
    import('@modelcontextprotocol/sdk/types.js'),
  ]);
  const server = new Server({ name: 'jobctl', version: VERSION }, { capabilities: { tools: {} }, instructions: INSTRUCTIONS });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: tools.map((t) => ({ name: t.name, description: t.description, inputSchema: t.inputSchema })),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => callTool(request.params.name, request.params.arguments, extra, options));
  const closed = new Promise<void>((resolve) => {
    server.onclose = resolve;
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
  });
  server.onerror = (err) => log.debug(`mcp: ${err.message}`);
  const transport = new StdioServerTransport();
  await server.connect(transport);
  const runs = unansweredRuns(transport);
  log.info(`mcp: serving ${tools.length} tools over stdio (root ${options.root}, max wait ${options.maxWaitMs}ms)`);
  await closed;
  await runs.settled();
}

type Message = { id?: string | number; method?: string; params?: { name?: unknown } };
interface Transport {
  onmessage?: (message: never, extra?: never) => void;
  send(message: never, options?: never): Promise<void>;
}

/**
 * The `run` calls received and not answered yet, counted where messages enter and leave (a
 * request's handler starts a tick after its message, possibly after stdin's end).
 */
function unansweredRuns(transport: Transport): { settled(): Promise<void> } {
  const pending = new Set<string | number>();
  let done: (() => void) | undefined;
  const receive = transport.onmessage;
  transport.onmessage = (message: never, extra?: never) => {
    const m = message as Message;
    if (m.method === 'tools/call' && m.params?.name === 'run' && m.id !== undefined) pending.add(m.id);
    receive?.(message, extra);
  };
  const send = transport.send.bind(transport);
  transport.send = async (message: never, options?: never) => {
    try {
      await send(message, options);
    } finally {
      const m = message as Message;
      if (m.method === undefined && m.id !== undefined && pending.delete(m.id) && pending.size === 0) done?.();
    }
  };
  return { settled: () => (pending.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => (done = resolve))) };
}
