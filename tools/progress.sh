#!/bin/sh
# Run one set-up step with a heartbeat: progress.sh "what it does" command [args...]
#
# Prints the description, then every INTERVAL seconds (default 15) one line with the
# elapsed time and what the command is busy with (the last "Collecting"/"Downloading"/
# "Installing"/"Building" line of its output), so a long pip install is never silent.
# The command's full output goes to a log file; on failure its tail is shown (unless
# PROGRESS_QUIET_FAIL=1, for a first attempt that may fail by design) and the exit
# status is passed on.
set -u
label=$1
shift
interval=${INTERVAL:-15}
log=$(mktemp "${TMPDIR:-/tmp}/nntheory-setup.XXXXXX")
echo "    $label"
start=$(date +%s)
"$@" >"$log" 2>&1 &
pid=$!
while kill -0 "$pid" 2>/dev/null; do
  waited=0
  while [ "$waited" -lt "$interval" ] && kill -0 "$pid" 2>/dev/null; do
    sleep 1
    waited=$((waited + 1))
  done
  if kill -0 "$pid" 2>/dev/null; then
    now=$(grep -E '^(Collecting|Downloading|Installing|Building|Uninstalling|Processing)' \
          "$log" | tail -n 1 | cut -c1-70)
    echo "      ... $(( $(date +%s) - start )) s${now:+: $now}"
  fi
done
wait "$pid"
status=$?
if [ "$status" -eq 0 ]; then
  done_line=$(grep -E '^Successfully installed' "$log" | tail -n 1 | cut -c1-90)
  echo "      done in $(( $(date +%s) - start )) s${done_line:+ ($done_line)}"
elif [ "${PROGRESS_QUIET_FAIL:-0}" != 1 ]; then
  echo "      FAILED (exit status $status); the end of its output:"
  tail -n 25 "$log" | sed 's/^/      | /'
fi
rm -f "$log"
exit "$status"
