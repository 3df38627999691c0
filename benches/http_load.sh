#!/usr/bin/env bash
# HTTP throughput of the API and the public pages against /healthz, in the
# same run, on this machine.
#
#   benches/http_load.sh [AUTHORITIES] [ROUNDS]
#   BIN=/path/to/counterpart GZIP=1 DURATION=4s benches/http_load.sh
#   benches/http_load.sh 50000 3        # the large directory
#
# Needs wrk (apt-get install wrk). Builds the release binary, starts it on a
# fresh SQLite database with the demo directory (or AUTHORITIES of them),
# then alternates wrk runs on each URL and prints, per URL, the median
# requests/s, its share of /healthz and the median of the runs' p99 latency.
# Then /healthz while the search page is under load (two wrk at once), the
# server's resident memory (now, and its peak), and edits through the API
# (benches/edit_load.py: one editor, then ten at once).
set -euo pipefail
cd "$(dirname "$0")/.."
AUTHORITIES="${1:-}"
ROUNDS="${2:-5}"
DURATION="${DURATION:-5s}"
CONNECTIONS="${CONNECTIONS:-32}"
PORT="${PORT:-18080}"

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
source benches/server.sh
if [ -n "$AUTHORITIES" ]; then
  "$BIN" demo-data --authorities "$AUTHORITIES" >/dev/null
fi
serve --demo
echo "directory: $(curl -fs "http://127.0.0.1:$PORT/readyz")"
# An authority's page: the first in reading order.
FIRST=$(curl -fs "http://127.0.0.1:$PORT/api/v1/authorities?per_page=1" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["items"][0]["id"])')

URLS=(
  "/healthz"
  "/api/v1/authorities?q=ministry+justice"
  "/api/v1/authorities?q=ministere+justice&region=150"
  "/api/v1/authorities?country=FR&article=18"
  "/api/v1/counterpart?country=DE&article=18"
  "/api/v1/authorities?q=minist"
  "/"
  "/counterpart?country=FR&article=18"
  "/authorities?q=minist"
  "/authorities?q=minist+zqN (a new question each time: never kept)"
  "/countries"
  "/countries/FR"
  "/about"
  "/measures"
  "/bulletins"
  "/bulletins/1"
  "/bulletins.atom"
  "/authorities/$FIRST"
)
# GZIP=1 asks for compressed answers, as browsers do.
HEADER=()
if [ -n "${GZIP:-}" ]; then HEADER=(-H "Accept-Encoding: gzip"); fi
# wrk's latency as milliseconds.
ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; print v}'; }
declare -A RESULTS P99
UNDER_LOAD=""
for round in $(seq 1 "$ROUNDS"); do
  for url in "${URLS[@]}"; do
    SCRIPT=()
    target="$url"
    # The search page on a miss: benches/search_miss.lua asks a new question each time.
    if [[ "$url" == *"new question"* ]]; then SCRIPT=(-s benches/search_miss.lua); target="/"; fi
    out=$(wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency "${SCRIPT[@]}" "${HEADER[@]}" "http://127.0.0.1:$PORT$target")
    RESULTS[$url]="${RESULTS[$url]:-} $(echo "$out" | awk '/Requests\/sec/ {print $2}')"
    P99[$url]="${P99[$url]:-} $(echo "$out" | awk '$1 == "99%" {print $2}' | ms)"
  done
  # /healthz while the search page is under load on the same workers: one
  # question asked again and again (kept), then a new one each time.
  wrk -t1 -c"$CONNECTIONS" -d"$DURATION" "${HEADER[@]}" "http://127.0.0.1:$PORT/authorities?q=minist" >/dev/null &
  LOAD=$!
  out=$(wrk -t1 -c"$CONNECTIONS" -d"$DURATION" "http://127.0.0.1:$PORT/healthz")
  wait "$LOAD"
  UNDER_LOAD="$UNDER_LOAD $(echo "$out" | awk '/Requests\/sec/ {print $2}')"
  wrk -t1 -c"$CONNECTIONS" -d"$DURATION" -s benches/search_miss.lua "${HEADER[@]}" "http://127.0.0.1:$PORT/" >/dev/null &
  LOAD=$!
  out=$(wrk -t1 -c"$CONNECTIONS" -d"$DURATION" "http://127.0.0.1:$PORT/healthz")
  wait "$LOAD"
  UNDER_MISSES="${UNDER_MISSES:-} $(echo "$out" | awk '/Requests\/sec/ {print $2}')"
  echo "round $round done" >&2
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
base=$(echo "${RESULTS[/healthz]}" | median)
printf '%-55s %12s %8s %9s\n' "URL" "median rps" "vs /healthz" "p99 ms"
for url in "${URLS[@]}"; do
  m=$(echo "${RESULTS[$url]}" | median)
  printf '%-55s %12.0f %7.0f%% %9.2f\n' "$url" "$m" "$(echo "$m / $base * 100" | bc -l)" "$(echo "${P99[$url]}" | median)"
done
loaded=$(echo "$UNDER_LOAD" | median)
printf '%-55s %12.0f %7.0f%%\n' "/healthz while the search page is loaded" "$loaded" "$(echo "$loaded / $base * 100" | bc -l)"
loaded=$(echo "$UNDER_MISSES" | median)
printf '%-55s %12.0f %7.0f%%\n' "/healthz while new searches are loaded" "$loaded" "$(echo "$loaded / $base * 100" | bc -l)"
grep -E 'VmRSS|VmHWM' "/proc/$SERVER/status"
# Memory freed by a burst is given back once the server has been quiet a second.
sleep 2
echo "2 s later: $(grep VmRSS "/proc/$SERVER/status")"

# Edits through the API, one editor alone and ten at once (EDITS=0 skips).
if [ "${EDITS:-1}" != 0 ]; then
  "$BIN" user add --role admin bench@bench.example >/dev/null 2>&1
  TOKEN=$("$BIN" token issue bench@bench.example 2>/dev/null)
  python3 benches/edit_load.py "http://127.0.0.1:$PORT" "$TOKEN" 10 10
  grep -E 'VmRSS' "/proc/$SERVER/status"
  sleep 2
  echo "2 s later: $(grep VmRSS "/proc/$SERVER/status")"
fi
