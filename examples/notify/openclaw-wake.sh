#!/bin/sh
# jobctl notify command: wake an OpenClaw agent session when a job ends.
#
#   jobctl run --notify-command "sh /path/to/examples/notify/openclaw-wake.sh SESSION_ID" -- CMD...
#
# jobctl runs it with the job.finished event JSON on stdin (from /, so give an absolute path)
# and records a nonzero exit, with the start of stderr, as a failed delivery in the job's
# completion_event.json. OPENCLAW names the openclaw program (default: openclaw on PATH).
# Summarises the event with node (jobctl needs it anyway), else with sed (id, state, exit only).
set -u

me=openclaw-wake.sh
if [ $# -ne 1 ] || [ -z "$1" ]; then
  printf 'usage: %s SESSION_ID   (job.finished event JSON on stdin)\n' "$me" >&2
  exit 2
fi
session=$1

case $0 in */*) here=${0%/*} ;; *) here=. ;; esac
. "$here/openclaw-summary.sh" || exit 1
read_event_text
find_openclaw
exec "$openclaw" agent --session-id "$session" --message "$text" --deliver
