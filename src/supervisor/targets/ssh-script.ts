// The shell text an SSH job needs on its host (pure). Two kinds:
// - Remote command lines (what ssh runs): fixed text plus the job id and integers jobctl made
//   itself — never the job's command, env or paths from the user, and no single quote or
//   backslash, so `sh -c '<line>'` reads the same under any login shell.
// - run.sh, uploaded as a file over the connection: the job's command, environment and working
//   directory, each single-quoted. It runs twice: as the wrapper W (its own session, never
//   signalled by jobctl) and, through `setsid -w`, as the job's leader J in a new session whose
//   process group is what jobctl signals. J records its pid, traps the signals it forwards so
//   that it outlives the command and writes its exit status atomically; if J itself is killed
//   (SIGKILL), W records `signal N`. W also enforces the timeout, so a partition between jobctl
//   and the host cannot let a job run for ever.
import { quoteArg, quoteArgv } from '../../util/shell-quote.js';

/** The job's remote directory, as shell text evaluated on the host (0700 via umask). */
export const remoteDirExpr = (jobId: string): string => `"\${XDG_CACHE_HOME:-$HOME/.cache}/jobctl/jobs/${jobId}"`;

export function assertSafeId(jobId: string): void {
  if (!/^[0-9a-z]+$/.test(jobId)) throw new Error(`unsafe job id ${jobId}`);
}

/** `cd` into a remote workdir; a leading ~/ is the remote home. */
function cdLine(workdir: string | undefined): string {
  if (workdir === undefined) return 'cd "$HOME"';
  if (workdir === '~') return 'cd "$HOME"';
  if (workdir.startsWith('~/')) return `cd "$HOME"/${quoteArg(workdir.slice(2))}`;
  return `cd ${quoteArg(workdir)}`;
}

const FORWARDED = 'HUP INT QUIT TERM USR1 USR2 ALRM';

export interface RunScriptSpec {
  argv: string[];
  env: Record<string, string>;
  workdir: string | undefined;
  timeoutMs: number | undefined;
  killAfterMs: number;
}

export function runScript(spec: RunScriptSpec): string {
  const exports = Object.entries(spec.env).map(([k, v]) => `export ${k}=${quoteArg(v)}`);
  const seconds = (ms: number) => (ms / 1000).toFixed(3);
  const watchdog = spec.timeoutMs === undefined
    ? ['wd=']
    : [
        // Own session, so that stopping it also stops its sleep.
        `setsid sh -c 'sleep ${seconds(spec.timeoutMs)}; [ -e "$1/status" ] && exit 0; : > "$1/timed_out"; read p s < "$1/pid"; kill -TERM -$p; sleep ${seconds(spec.killAfterMs)}; kill -KILL -$p' watchdog "$d" </dev/null >/dev/null 2>&1 &`,
        'wd=$!',
      ];
  return [
    '#!/bin/sh',
    '# jobctl remote job wrapper (generated)',
    'd=${0%/*}',
    'if [ "$1" = leader ]; then',
    '  s=$(cut -d" " -f22 /proc/$$/stat 2>/dev/null)',
    '  echo "$$ $s" > "$d/pid.tmp" && mv "$d/pid.tmp" "$d/pid"',
    // A trapped signal is reset to its default in the command, which therefore gets it.
    `  for sig in ${FORWARDED}; do trap "got=$sig" $sig; done`,
    ...exports.map((line) => `  ${line}`),
    `  ${cdLine(spec.workdir)} || { echo "error cannot change to the working directory ${(spec.workdir ?? '~').replace(/[^A-Za-z0-9_./~ -]/g, '?')}" > "$d/status.tmp"; mv "$d/status.tmp" "$d/status"; exit 0; }`,
    `  ${quoteArgv(spec.argv)} </dev/null >> "$d/stdout" 2>> "$d/stderr"`,
    '  rc=$?',
    '  echo "$rc" > "$d/status.tmp" && mv "$d/status.tmp" "$d/status"',
    '  exit 0',
    'fi',
    'echo $$ > "$d/wrapper.pid"',
    ': >> "$d/stdout"; : >> "$d/stderr"',
    ...watchdog,
    'setsid -w sh "$0" leader',
    'rc=$?',
    '[ -n "$wd" ] && kill -KILL -$wd 2>/dev/null',
    // The leader never got to record its status: it was killed itself.
    'if [ ! -e "$d/status" ]; then echo "signal $((rc - 128))" > "$d/status.tmp" && mv "$d/status.tmp" "$d/status"; fi',
    '',
  ].join('\n');
}

/**
 * Stores run.sh (from stdin) and starts it detached, all descriptors redirected so that the
 * ssh call returns at once; prints the leader's "PID STARTTIME". Idempotent: a job already
 * started is not started again.
 */
export const launchLine = (jobId: string): string =>
  [
    'umask 077',
    `d=${remoteDirExpr(jobId)}`,
    'mkdir -p "$d" || exit 90',
    'if [ ! -e "$d/started" ]; then cat > "$d/run.sh.tmp" && mv "$d/run.sh.tmp" "$d/run.sh" || exit 91; : > "$d/started"; setsid sh "$d/run.sh" </dev/null >/dev/null 2>&1 & fi',
    'i=0',
    'while [ ! -s "$d/pid" ]; do i=$((i+1)); [ $i -gt 400 ] && exit 92; sleep 0.05; done',
    'echo "dir $d"',
    'echo "pid $(cat "$d/pid")"',
  ].join('; ');

/** Prints what phase() parses: the status (or liveness) first, then the log sizes. */
export const phaseLine = (jobId: string): string =>
  [
    `d=${remoteDirExpr(jobId)}`,
    '[ -d "$d" ] || { echo gone; exit 0; }',
    'st() { if [ -e "$d/status" ]; then echo "status $(cat "$d/status")"; return 0; fi; return 1; }',
    // The wrapper outlives the leader until it has recorded a status: both gone and no status
    // means nobody will ever record one (the host rebooted, the directory was tampered with).
    'if ! st; then p=$(cut -d" " -f1 "$d/pid" 2>/dev/null); w=$(cat "$d/wrapper.pid" 2>/dev/null); if { [ -n "$p" ] && kill -0 "$p" 2>/dev/null; } || { [ -n "$w" ] && kill -0 "$w" 2>/dev/null; }; then echo running; else st || echo vanished; fi; fi',
    '[ -e "$d/timed_out" ] && echo timed_out',
    'echo "stdout $(wc -c < "$d/stdout")"',
    'echo "stderr $(wc -c < "$d/stderr")"',
  ].join('; ');

/** Everything of one log from a byte offset on. */
export const readLine = (jobId: string, stream: 'stdout' | 'stderr', offset: number): string =>
  `d=${remoteDirExpr(jobId)}; tail -c +${Math.floor(offset) + 1} "$d/${stream}"`;

/** Signals the job's process group (nothing to do once it has recorded its status). */
export const signalLine = (jobId: string, signal: string): string =>
  `d=${remoteDirExpr(jobId)}; [ -e "$d/status" ] && exit 0; read p s < "$d/pid" || exit 0; kill -${signal.replace(/^SIG/, '')} -$p 2>/dev/null; exit 0`;

/** The identity of a job that did start, if it did. */
export const recoverLine = (jobId: string): string =>
  `d=${remoteDirExpr(jobId)}; if [ -s "$d/pid" ]; then echo "dir $d"; echo "pid $(cat "$d/pid")"; fi`;

export const cleanupLine = (jobId: string): string => `d=${remoteDirExpr(jobId)}; rm -rf "$d"`;

/** A round trip that proves the host answers commands. */
export const probeLine = 'echo jobctl-ok';
