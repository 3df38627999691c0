#!/usr/bin/env bash
# Bulletin delivery beside the SMTP sink's own ceiling, in the same run.
#
#   benches/bulletin_load.sh [SUBSCRIBERS] [MEASURES]
#
# Needs postfix's smtp-sink and smtp-source (Debian: postfix; install with
#   echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
#   DEBIAN_FRONTEND=noninteractive apt-get install -y postfix).
# Starts smtp-sink, measures what smtp-source alone gets through it with
# messages of the bulletin's size, then runs `cargo bench --bench bulletin`
# on SQLite and, when PG_URL names a database (default: a scratch database
# on 127.0.0.1:5432), on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
SUBSCRIBERS="${1:-10000}"
MEASURES="${2:-200}"
CONCURRENCY="${BENCH_CONCURRENCY:-4}"
PORT="${PORT:-25250}"
PG_ADMIN="${PG_ADMIN:-postgres://root@127.0.0.1:5432/postgres}"

for tool in smtp-sink smtp-source; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (Debian package postfix)" >&2; exit 1; }
done
cargo build --release --benches --quiet
smtp-sink -u nobody "127.0.0.1:$PORT" 1000 >/dev/null 2>&1 &
SINK=$!
trap 'kill $SINK 2>/dev/null || true' EXIT
sleep 0.5

# The sink's ceiling, with messages of about the bulletin's size.
BYTES="${BYTES:-200000}"
python3 - "$BYTES" > /tmp/bulletin-size.eml <<'PY'
import sys
n = int(sys.argv[1])
line = "Requests are accepted by email; originals follow by post within 30 days. =C2=B7\r\n"
sys.stdout.write("Subject: ceiling\r\n\r\n" + line * (n // len(line)))
PY
START=$(date +%s.%N)
smtp-source -s "$CONCURRENCY" -m 4000 -F /tmp/bulletin-size.eml -f bench@counterpart.example -t reader@bench.example "127.0.0.1:$PORT"
END=$(date +%s.%N)
echo "smtp-source alone: 4000 messages of $BYTES bytes in $(echo "$END - $START" | bc) s = $(echo "4000 / ($END - $START)" | bc) messages/s with $CONCURRENCY sessions"

export BENCH_SMTP="smtp://127.0.0.1:$PORT" BENCH_SUBSCRIBERS="$SUBSCRIBERS" BENCH_MEASURES="$MEASURES"
unset BENCH_DATABASE_URL
cargo bench --quiet --bench bulletin
if command -v psql >/dev/null && pg_isready -h 127.0.0.1 -p 5432 -q; then
  DB="counterpart_bench_bulletin"
  psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $DB" -qc "CREATE DATABASE $DB"
  BENCH_DATABASE_URL="${PG_ADMIN%/*}/$DB" cargo bench --quiet --bench bulletin
  psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $DB"
fi
