// The shell text an SSH job needs on its host (pure). Two kinds:
// - Remote command lines (what ssh runs): fixed text plus the job id and integers jobctl made
//   itself — never the job's command, env, prompt or paths from the user, and no single quote
//   or backslash, so `sh -c '<line>'` reads the same under any login shell.
// - run.sh, uploaded as a file over the connection: the job's command, environment and working
//   directory, each single-quoted, and the job's stdin (an agent's prompt, --stdin bytes) as
//   base64 in a here-document (its alphabet cannot form the delimiter line, and any bytes
//   survive). It runs twice: as the wrapper W (its own session, never signalled by jobctl) and,
//   through `setsid -w`, as the job's leader J in a new session whose process group is what
//   jobctl signals. J records its pid, decodes the stdin bytes into $d/prompt (0600 under the
//   launch's umask 077; the command's stdin, else /dev/null), traps the signals it forwards so that it outlives the command and
//   writes its exit status atomically; if J itself is killed (SIGKILL), W records `signal N`.
//   W also enforces the timeout, so a partition between jobctl and the host cannot let a job
//   run for ever.
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
  /** The job's stdin (an agent's prompt, a command job's --stdin); else /dev/null. */
  stdin?: Buffer;
}

const PROMPT_END = 'JOBCTL_PROMPT_END';

/**
 * Leader lines that write the prompt to $d/prompt: base64 (76-column lines, never the
 * delimiter: `_` is not in its alphabet) decoded on the host. A host that cannot decode it
 * records why as the job's status.
 */
function promptLines(prompt: Buffer): string[] {
  const encoded = prompt.toString('base64').match(/.{1,76}/g) ?? [];
  return [
    `  base64 -d > "$d/prompt.tmp" <<'${PROMPT_END}' && mv "$d/prompt.tmp" "$d/prompt" || { echo "error cannot decode the prompt on the host (is base64 installed?)" > "$d/status.tmp"; mv "$d/status.tmp" "$d/status"; exit 0; }`,
    ...encoded,
    PROMPT_END,
  ];
}

/** Shell function: is PID alive and (when a start time was recorded) still the same process? */
const ALIVE_FN = 'alive() { kill -0 "$1" 2>/dev/null || return 1; [ -z "$2" ] && return 0; [ "$(cut -d" " -f22 /proc/$1/stat 2>/dev/null)" = "$2" ]; }';
const START_TIME = '$(cut -d" " -f22 /proc/$$/stat 2>/dev/null)';

export function runScript(spec: RunScriptSpec): string {
  const exports = Object.entries(spec.env).map(([k, v]) => `export ${k}=${quoteArg(v)}`);
  const seconds = (ms: number) => (ms / 1000).toFixed(3);
  const workdirText = (spec.workdir ?? '~').replace(/[^A-Za-z0-9_./~ -]/g, '?');
  const watchdog = spec.timeoutMs === undefined
    ? ['wd=']
    : [
        // Own session, so that stopping it also stops its sleep. The marker is only a claim:
        // the status parser believes it only for a job that died of a signal.
        `setsid sh -c 'sleep ${seconds(spec.timeoutMs)}; [ -e "$1/status" ] && exit 0; : > "$1/timed_out"; read p s < "$1/pid"; kill -TERM -$p; sleep ${seconds(spec.killAfterMs)}; [ -e "$1/status" ] || kill -KILL -$p' watchdog "$d" </dev/null >/dev/null 2>&1 &`,
        'wd=$!',
      ];
  return [
    '#!/bin/sh',
    '# jobctl remote job wrapper (generated)',
    'd=${0%/*}',
    'if [ "$1" = leader ]; then',
    `  echo "$$ ${START_TIME}" > "$d/pid.tmp" && mv "$d/pid.tmp" "$d/pid"`,
    // A trapped signal is reset to its default in the command, which therefore gets it.
    `  for sig in ${FORWARDED}; do trap "got=$sig" $sig; done`,
    ...(spec.stdin !== undefined ? promptLines(spec.stdin) : []),
    // The job's environment and directory only exist in the subshell that becomes the command:
    // nothing the job sets (d, PATH...) can reach the lines that record its status.
    '  (',
    `    ${cdLine(spec.workdir)} || { : > "$d/nocwd"; exit 1; }`,
    ...exports.map((line) => `    ${line}`),
    `    exec ${quoteArgv(spec.argv)}`,
    `  ) ${spec.stdin !== undefined ? '< "$d/prompt"' : '</dev/null'} >> "$d/stdout" 2>> "$d/stderr"`,
    '  rc=$?',
    `  if [ -e "$d/nocwd" ]; then echo "error cannot change to the working directory ${workdirText}" > "$d/status.tmp"; else echo "$rc" > "$d/status.tmp"; fi`,
    '  mv "$d/status.tmp" "$d/status"',
    '  exit 0',
    'fi',
    `echo "$$ ${START_TIME}" > "$d/wrapper.pid"`,
    ': >> "$d/stdout"; : >> "$d/stderr"',
    ...watchdog,
    'setsid -w sh "$0" leader',
    'rc=$?',
    '[ -n "$wd" ] && kill -KILL -$wd 2>/dev/null',
    // The leader never got to record a status: it was killed itself, or never ran.
    'if [ ! -e "$d/status" ]; then',
    '  if [ $rc -gt 128 ]; then echo "signal $((rc - 128))" > "$d/status.tmp"; else echo "error the job wrapper failed with status $rc (is setsid installed?)" > "$d/status.tmp"; fi',
    '  mv "$d/status.tmp" "$d/status"',
    'fi',
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
    ALIVE_FN,
    'st() { if [ -e "$d/status" ]; then echo "status $(cat "$d/status")"; return 0; fi; return 1; }',
    // The wrapper outlives the leader until it has recorded a status: both gone and no status
    // means nobody will ever record one (the host rebooted, the directory was tampered with).
    // Each pid counts only with its recorded start time (pids are reused after a reboot).
    'if ! st; then read p ps < "$d/pid" 2>/dev/null; read w ws < "$d/wrapper.pid" 2>/dev/null; if { [ -n "$p" ] && alive "$p" "$ps"; } || { [ -n "$w" ] && alive "$w" "$ws"; }; then echo running; else st || echo vanished; fi; fi',
    '[ -e "$d/timed_out" ] && echo timed_out',
    'echo "stdout $(wc -c < "$d/stdout")"',
    'echo "stderr $(wc -c < "$d/stderr")"',
  ].join('; ');

/** At most `length` bytes of one log from a byte offset on. */
export const readLine = (jobId: string, stream: 'stdout' | 'stderr', offset: number, length: number): string =>
  `d=${remoteDirExpr(jobId)}; tail -c +${Math.floor(offset) + 1} "$d/${stream}" | head -c ${Math.floor(length)}`;

/** Signals the job's process group, only while its leader is verifiably the recorded process. */
export const signalLine = (jobId: string, signal: string): string =>
  `d=${remoteDirExpr(jobId)}; ${ALIVE_FN}; [ -e "$d/status" ] && exit 0; read p ps < "$d/pid" || exit 0; alive "$p" "$ps" && kill -${signal.replace(/^SIG/, '')} -$p 2>/dev/null; exit 0`;

/**
 * The identity of a job that did start, if it did. A launch that has begun (`started`) but not
 * yet recorded its pid is waited for; still without a pid it is reported as `starting`.
 */
export const recoverLine = (jobId: string): string =>
  [
    `d=${remoteDirExpr(jobId)}`,
    '[ -e "$d/started" ] || exit 0',
    'i=0',
    'while [ ! -s "$d/pid" ]; do i=$((i+1)); [ $i -gt 200 ] && { echo starting; exit 0; }; sleep 0.05; done',
    'echo "dir $d"',
    'echo "pid $(cat "$d/pid")"',
  ].join('; ');

/**
 * Resource use of the job's process group on the host, summed like util/resources.ts does
 * locally (live members started no earlier than the leader): one line "PROCESSES RSS_BYTES
 * CPU_TICKS ELAPSED_SECONDS", or nothing once the job is over. One awk (POSIX, busybox) reads
 * every /proc/PID/stat, whose comm field may hold spaces: each line is taken after its last ")".
 * The program is double-quoted shell text without `$`, quotes or backslashes; OFMT keeps large
 * and fractional numbers exact enough in any awk. Times are in USER_HZ (100 on Linux).
 */
export const resourcesLine = (jobId: string): string =>
  [
    `d=${remoteDirExpr(jobId)}`,
    ALIVE_FN,
    '[ -e "$d/status" ] && exit 0',
    'read p ps 2>/dev/null < "$d/pid" || exit 0',
    'alive "$p" "$ps" || exit 0',
    'read up idle < /proc/uptime',
    'pz=$(getconf PAGESIZE 2>/dev/null); [ -n "$pz" ] || pz=4096',
    'cat /proc/[0-9]*/stat 2>/dev/null | awk -v OFMT=%.2f -v pg="$p" -v since="$ps" -v up="$up" -v pz="$pz" -v z=Z -v e= "BEGIN { while ((getline l) > 0) { sub(/.*[)] /, e, l); split(l, f); if (f[3] == pg && f[1] != z && f[20] >= since) { n++; rss += f[22] * pz; t += f[12] + f[13] } } if (n > 0) print n, rss, t, up - since / 100 }"',
  ].join('; ');

/** Removes the job's directory, first ending its process group if it still runs. */
export const cleanupLine = (jobId: string): string =>
  `d=${remoteDirExpr(jobId)}; ${ALIVE_FN}; if [ ! -e "$d/status" ] && read p ps < "$d/pid" 2>/dev/null && alive "$p" "$ps"; then kill -KILL -$p 2>/dev/null; fi; rm -rf "$d"`;

/** A round trip that proves the host answers commands. */
export const probeLine = 'echo jobctl-ok';
