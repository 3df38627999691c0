#!/usr/bin/env bash
# The server's memory for each way of making or reading a bulletin, one
# request at a time, on this machine.
#
#   BIN=/path/to/counterpart DATA=/tmp/d50k benches/bulletin_memory.sh
#   ORDER=send-first BIN=… DATA=… benches/bulletin_memory.sh
#
# DATA: a data folder made with `demo-data --authorities 50000` and
# `serve --demo` once (see benches/send_memory.sh, which can make one); it is
# copied, never changed. Adds an admin account, starts the server, signs in,
# then for each request prints its status, size and time, the resident size
# before it and the peak during it (reset through /proc/PID/clear_refs).
# By default the archive's bulletin no. 1 is read first, then the preview,
# then "Send a bulletin now"; with ORDER=send-first, "Send a bulletin now"
# first, then the new bulletin's pages.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATA:?DATA=/path/to/a/data/folder}"
PORT="${PORT:-18899}"
B="http://127.0.0.1:$PORT"
source benches/server.sh
cp -r "$DATA/." "$WORK/"
rm -rf "$WORK/outbox"
echo xq7-lantern-river-88 | "$BIN" user add --role admin --password-stdin bench@admin.example >/dev/null
serve
JAR="$WORK/jar"
csrf() { grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"//'; }
TOKEN=$(curl -s -c "$JAR" -b "$JAR" "$B/login" | csrf)
curl -s -c "$JAR" -b "$JAR" -o /dev/null --data-urlencode "csrf_token=$TOKEN" \
  --data-urlencode "email=bench@admin.example" --data-urlencode "password=xq7-lantern-river-88" \
  --data-urlencode "next=/" "$B/login"
FORM=$(curl -s -c "$JAR" -b "$JAR" "$B/admin/bulletin" | csrf)
sleep 2
mb() { awk -v k="$1:" '$1 == k {printf "%.1f", $2 / 1024}' "/proc/$SERVER/status"; }
one() {
  local label=$1 rest out
  shift
  rest=$(mb VmRSS)
  echo 5 > "/proc/$SERVER/clear_refs"
  out=$(curl -s -o /dev/null -w "%{http_code} %{size_download} bytes %{time_total} s" "$@")
  sleep 0.5
  echo "$label: $out; rest $rest MB, peak $(mb VmHWM) MB"
}
send() {
  one "send-now" -b "$JAR" -c "$JAR" --data-urlencode "csrf_token=$FORM" "$B/admin/bulletin/send-now"
  sleep 8
  echo "8 s after sending: $(mb VmRSS) MB"
}
reads() {
  one "/bulletins/$1 anonymous" "$B/bulletins/$1"
  one "/bulletins/$1 full edition" -b "$JAR" "$B/bulletins/$1"
  one "/api/v1/bulletins/$1" "$B/api/v1/bulletins/$1"
  one "/bulletins.atom" "$B/bulletins.atom"
  one "/admin/bulletin/preview" -b "$JAR" "$B/admin/bulletin/preview"
}
if [ "${ORDER:-}" = send-first ]; then
  send
  reads 4
else
  reads 1
  send
fi
