// Subprocess helpers: spawn a command, time it from spawn to exit, and call the real bin/jobctl.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

let jobctlBin = fileURLToPath(new URL('../../bin/jobctl', import.meta.url));

/** Makes jobctl() call another copy of bin/jobctl (see run.mjs). */
export function useJobctl(bin) {
  jobctlBin = bin;
}

/** The bin/jobctl in use (for a long-running `jobctl serve`). */
export const jobctlPath = () => jobctlBin;

/** A failure of the benchmark itself (not a missed target). */
export class BenchError extends Error {}

const msSince = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

/**
 * Spawns `cmd args`, collects stdout/stderr and resolves once the process has exited and its
 * pipes are closed. Times (ms, measured with process.hrtime.bigint from just before spawn):
 *   exit_ms       — the process exit,
 *   first_line_ms — the first newline on stdout (when the JSON object was printed),
 * and first_line_wall, the wall clock (Date.now()) at that moment.
 */
export function spawnTimed(cmd, args, { env, cwd } = {}) {
  return new Promise((resolve, reject) => {
    const out = [];
    const err = [];
    let firstLineMs;
    let firstLineWall;
    let exitMs;
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk) => {
      if (firstLineMs === undefined && chunk.includes(10)) {
        firstLineMs = msSince(t0);
        firstLineWall = Date.now();
      }
      out.push(chunk);
    });
    child.stderr.on('data', (chunk) => err.push(chunk));
    child.on('exit', () => {
      exitMs = msSince(t0);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolve({
        code,
        signal,
        pid: child.pid,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        exit_ms: exitMs ?? msSince(t0),
        first_line_ms: firstLineMs ?? exitMs ?? msSince(t0),
        first_line_wall: firstLineWall ?? Date.now(),
      });
    });
  });
}

/** Like spawnTimed, but a non-zero exit is a BenchError. */
export async function mustSucceed(cmd, args, opts) {
  const r = await spawnTimed(cmd, args, opts);
  if (r.code !== 0) {
    throw new BenchError(`${cmd} ${args.join(' ')} exited with ${r.code ?? r.signal}: ${r.stderr.trim()}`);
  }
  return r;
}

/**
 * Runs bin/jobctl with `args` and parses its single JSON object. Resolves to the timing record
 * with `json` added; `ok:false`, a non-zero exit or unparsable output is a BenchError.
 */
export async function jobctl(args, opts) {
  const r = await spawnTimed(jobctlBin, args, opts);
  let json;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    throw new BenchError(`jobctl ${args.join(' ')}: stdout is not one JSON object (exit ${r.code}): ${r.stdout.slice(0, 300)} ${r.stderr.slice(0, 300)}`);
  }
  if (json.ok !== true || r.code !== 0) {
    throw new BenchError(`jobctl ${args.join(' ')} failed (exit ${r.code}): ${JSON.stringify(json.error ?? json)}`);
  }
  return { ...r, json };
}

/** Runs `fn(item)` over `items` with at most `limit` in flight; resolves to the results in order. */
export async function pool(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i], i);
      } catch (e) {
        next = items.length; // stop handing out work; the first failure rejects the pool
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
