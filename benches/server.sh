# Sourced by the benchmark scripts: the binary to measure, a scratch data
# folder, and a server on it. Expects PORT; sets BIN, WORK and SERVER.

# BIN=path measures a binary built elsewhere (an earlier commit, to compare).
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet
  BIN="${CARGO_TARGET_DIR:-target}/release/counterpart"
fi
WORK=$(mktemp -d)
SERVER=""
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$WORK"' EXIT
export COUNTERPART_DATA_DIR="$WORK" COUNTERPART_SERVER__BIND="127.0.0.1:$PORT" COUNTERPART_LOG__LEVEL=warn
unset DATABASE_URL

# Starts `$BIN serve ARGS...` in the background (SERVER: its pid) and
# waits until it answers /readyz.
serve() {
  "$BIN" serve "$@" >"$WORK/serve.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 600); do
    curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && return
    kill -0 "$SERVER" 2>/dev/null || break
    sleep 0.2
  done
  echo "the server did not start:" >&2
  cat "$WORK/serve.log" >&2
  exit 1
}
