#!/usr/bin/env bash
# The server's memory while it sends a bulletin, on this machine.
#
#   benches/send_memory.sh [AUTHORITIES]          # 50000 by default
#   BIN=/path/to/counterpart DATA=/tmp/d50k benches/send_memory.sh
#
# Makes a directory of AUTHORITIES with the demo (three past bulletins, 36
# subscribers), or takes a copy of DATA made so. Starts the server on it,
# resets its peak (/proc/PID/clear_refs), runs `bulletin send-now` in another
# process (it compiles the bulletin and queues its deliveries) and waits
# until the server has sent them all, to .eml files in the outbox. Prints the
# server's memory at rest and its peak while sending, the time taken and
# the outbox's size. Needs sqlite3 (apt-get install sqlite3).
set -euo pipefail
cd "$(dirname "$0")/.."
AUTHORITIES="${1:-50000}"
PORT="${PORT:-18585}"
source benches/server.sh
if [ -n "${DATA:-}" ]; then
  cp -r "$DATA/." "$WORK/"
  rm -rf "$WORK/outbox"
else
  "$BIN" demo-data --authorities "$AUTHORITIES" >/dev/null
  # The demo's measures, subscribers and past bulletins, made once.
  serve --demo
  until [ "$(sqlite3 "$WORK/counterpart.db" 'select count(*) from bulletins')" -ge 3 ]; do sleep 1; done
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
fi
serve
sleep 2
echo "at rest: $(grep VmRSS "/proc/$SERVER/status" | awk '{print $2/1024 " MB"}')"
echo 5 > "/proc/$SERVER/clear_refs"
start=$(date +%s.%N)
"$BIN" bulletin send-now 2>/dev/null
until [ "$(sqlite3 "$WORK/counterpart.db" "select count(*) from mail_outbox where bulletin_id is not null and status not in ('sent', 'failed')")" = 0 ]; do
  sleep 0.5
done
end=$(date +%s.%N)
echo "sent in $(echo "$end - $start" | bc) s; peak while sending: $(grep VmHWM "/proc/$SERVER/status" | awk '{print $2/1024 " MB"}')"
echo "outbox: $(find "$WORK/outbox" -name '*.eml' | wc -l) messages, $(du -sh "$WORK/outbox" | cut -f1)"
