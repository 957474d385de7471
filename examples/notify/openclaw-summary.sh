# Shared by the OpenClaw notify scripts (sourced; the caller sets `me`): turns the job.finished
# event on stdin into one line of text (`text`) and finds the openclaw program (`openclaw`).

# One line of text from the event on stdin: how the job ended, the agent's outcome for an agent
# job, and the command to see more.
summary_js='
const e = JSON.parse(require("fs").readFileSync(0, "utf8"));
const oneLine = (s, max) => {
  const t = String(s).replace(/\s+/g, " ").trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
};
const dur = (ms) => {
  const s = Math.round(ms / 1000);
  if (ms < 1000) return `${ms}ms`;
  if (s < 60) return `${(ms / 1000).toFixed(1)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, "0")}m`;
};
const id = String(e.job_id ?? "?");
const who = e.name !== undefined ? `"${oneLine(e.name, 120)}" (${id.slice(0, 8)})` : id.slice(0, 8);
let how;
if (e.state === "exited") how = `exited with code ${e.exit_code}`;
else if (e.state === "killed") how = `was killed by ${e.signal ?? "a signal"}`;
else if (e.state === "failed") how = `failed (${e.error ? `${e.error.code}: ${oneLine(e.error.message, 200)}` : "no detail"})`;
else if (e.state === "lost") how = "was lost";
else how = `ended (${e.state})`;
if (e.timed_out) how += " after timing out";
let text = `jobctl job ${who} ${how}`;
if (typeof e.duration_ms === "number") text += ` (${dur(e.duration_ms)})`;
text += ".";
const a = e.agent;
if (a) {
  const bits = [a.outcome ?? "no outcome"];
  if (typeof a.turns === "number") bits.push(`${a.turns} turn${a.turns === 1 ? "" : "s"}`);
  if (typeof a.cost_usd === "number") bits.push(`$${a.cost_usd.toFixed(4)}`);
  if (a.session_id) bits.push(`session ${a.session_id}`);
  text += ` Agent ${a.name}: ${bits.join(", ")}.`;
  if (a.last_text) text += ` Last message: "${oneLine(a.last_text, 300)}".`;
}
text += ` Details: jobctl status ${id}`;
process.stdout.write(text);
'

summary() {
  if command -v node >/dev/null 2>&1; then
    printf '%s' "$event" | node -e "$summary_js"
    return
  fi
  # Without node: the leading keys of the event (jobctl writes them first, in this order).
  id_state=$(printf '%s' "$event" | sed -n 's/^{"schema_version":"[^"]*","event_type":"[^"]*","job_id":"\([^"]*\)","state":"\([^"]*\)".*/\1 \2/p')
  [ -n "$id_state" ] || return 1
  id=${id_state% *}
  state=${id_state#* }
  code=$(printf '%s' "$event" | sed -n 's/^{[^[{]*"exit_code":\(-\{0,1\}[0-9][0-9]*\).*/\1/p')
  signal=$(printf '%s' "$event" | sed -n 's/^{[^[{]*"signal":"\([A-Z0-9]*\)".*/\1/p')
  how=$state
  [ -n "$code" ] && how="$how with code $code"
  [ -n "$signal" ] && how="$how by $signal"
  printf 'jobctl job %s %s. Details: jobctl status %s' "$id" "$how" "$id"
}

# Reads the event from stdin into `text`; exits with a message when there is none.
read_event_text() {
  event=$(cat) || exit 1
  if [ -z "$event" ]; then
    printf '%s: no event on stdin\n' "$me" >&2
    exit 1
  fi
  if ! text=$(summary) || [ -z "$text" ]; then
    printf '%s: cannot read the event: %.200s\n' "$me" "$event" >&2
    exit 1
  fi
}

# Sets `openclaw` (OPENCLAW, else openclaw on PATH); exits 127 when it cannot be found.
find_openclaw() {
  openclaw=${OPENCLAW:-openclaw}
  if ! command -v "$openclaw" >/dev/null 2>&1; then
    printf '%s: %s not found (PATH=%s); set OPENCLAW to its path\n' "$me" "$openclaw" "${PATH:-}" >&2
    exit 127
  fi
}
