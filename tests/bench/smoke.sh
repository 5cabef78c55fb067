#!/usr/bin/env bash
# smoke.sh SERVER LOAD BARE FSYNC_LIMIT: every scenario of the load generator for about a
# second against a fresh server on port 0 (cheap passwords so that sign-up is quick), then the
# bare server and the fsync limit for half a second each. Exit status 0 only if every run
# completed without transport errors and with a throughput above zero, the notify run
# matched notifications to its rides with none missing or duplicated, and the server's cost
# (ttareungyi-load --server-pid, --metrics-port) came out above zero: its CPU per operation
# and per request in every run, its commits and fsyncs per operation in those that write.
set -euo pipefail
server="$1" load="$2" bare="$3" fsync_limit="$4"
work="$(mktemp -d "${TMPDIR:-/tmp}/ttareungyi-bench-smoke-XXXXXX")"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

start() {  # start NAME COMMAND...: sets PID, and PORT once "listening on ADDR:PORT" is printed
  local name="$1"; shift
  "$@" >"$work/$name.out" 2>"$work/$name.log" &
  PID=$!
  pids+=("$PID")
  for _ in $(seq 1 1000); do
    PORT=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$work/$name.out" | head -1)
    [[ -n "$PORT" ]] && return 0
    kill -0 "${pids[-1]}" 2>/dev/null || { echo "$name exited early:"; cat "$work/$name.log"; exit 1; }
    sleep 0.02
  done
  echo "$name did not start"; exit 1
}

# positive FILE KEY...: each KEY of the run's "server" object in FILE is a number above 0.
positive() {
  local file="$1" key value; shift
  for key in "$@"; do
    value=$(sed -n "s/^ *\"$key\": \([-+0-9.eE]*\).*/\1/p" "$file" | head -1)
    awk -v v="${value:-0}" 'BEGIN { exit !(v + 0 > 0) }' ||
      { echo "$(basename "$file"): server cost $key is '${value:-missing}', not above 0"; exit 1; }
  done
  echo "$(basename "$file"): server cost $* above 0"
}
cpu=(cpuMicrosPerOperation cpuMicrosPerRequest)
writes=(commitsPerOperation fsyncsPerOperation)

start server "$server" serve --drain-ms 0 --port 0 --bind 127.0.0.1 --data-dir "$work/data" --rate-limit-rps 0 \
  --operator-client smoke:smoke-secret-1 --password-iterations 1000
cost=(--server-pid "$PID" --metrics-port "$PORT")
"$load" --port "$PORT" --operator smoke:smoke-secret-1 --customers 16 --connections 8 --bicycles 16 \
  --setup-only --save-setup "$work/setup.json"
for scenario in read purchase ride mix; do
  echo "== $scenario"
  "$load" --port "$PORT" "${cost[@]}" --load-setup "$work/setup.json" --scenario "$scenario" --connections 8 \
    --duration 1 --warmup 0.3 --timeout-ms 5000 --json-file "$work/$scenario.json"
done
positive "$work/read.json" "${cpu[@]}"
for scenario in purchase ride mix; do positive "$work/$scenario.json" "${cpu[@]}" "${writes[@]}"; done
echo "== read, tickets instead of current rentals"
"$load" --port "$PORT" --load-setup "$work/setup.json" --scenario read --read-target ticket --connections 8 \
  --duration 1 --warmup 0.3 --timeout-ms 5000
echo "== list, 5 bicycles a page: several walks through every page, following each page's cursor"
"$load" --port "$PORT" --load-setup "$work/setup.json" --scenario list --page-size 5 --connections 2 \
  --duration 0.5 --warmup 0.1 --timeout-ms 5000 --json-file "$work/list.json"
walks=$(sed -n 's/^ *"walksCompleted": \([0-9][0-9]*\).*/\1/p' "$work/list.json" | head -1)
pages=$(sed -n 's/^  "operations": \([0-9][0-9]*\).*/\1/p' "$work/list.json" | head -1)
echo "list: ${pages:-?} pages, ${walks:-?} walks through all of them"
[[ "${walks:-0}" -gt 0 && "${pages:-0}" -gt "${walks:-0}" ]] || { echo "list: no walk followed its cursors to the last page"; exit 1; }
echo "== notify"
# Exits 4 when a notification is missing or duplicated, or none arrived; checked here again
# from its JSON so that the test cannot pass on a run that measured nothing.
"$load" --port "$PORT" "${cost[@]}" --load-setup "$work/setup.json" --scenario notify --rate 100 --connections 4 \
  --duration 1 --warmup 0.3 --timeout-ms 5000 --notify-grace 2 --json-file "$work/notify.json"
notice() { sed -n "s/^ *\"$1\": \([0-9][0-9]*\).*/\1/p" "$work/notify.json" | head -1; }
matched=$(notice matched) missing=$(notice missing) duplicates=$(notice duplicates)
echo "notify: matched=${matched:-?} missing=${missing:-?} duplicates=${duplicates:-?}"
[[ "${matched:-0}" -gt 0 && "$missing" == 0 && "$duplicates" == 0 ]] || { echo "notify: notifications lost"; exit 1; }
positive "$work/notify.json" "${cpu[@]}" "${writes[@]}"
echo "== ride, tickets bought inside each cycle"
"$load" --port "$PORT" --load-setup "$work/setup.json" --scenario ride --ride-tickets cycle --connections 4 \
  --duration 0.5 --warmup 0.1 --timeout-ms 5000
echo "== open model"
"$load" --port "$PORT" --load-setup "$work/setup.json" --scenario read --connections 4 --rate 200 \
  --duration 1 --warmup 0.2 --timeout-ms 5000

start bare "$bare" --port 0
echo "== bare"
"$load" --port "$PORT" --server-pid "$PID" --scenario get --connections 4 --duration 0.5 --warmup 0.1 --timeout-ms 5000 \
  --json-file "$work/bare.json"
positive "$work/bare.json" "${cpu[@]}"
echo "== fsync limit"
"$fsync_limit" --dir "$work" --threads 4 --duration 0.5 --warmup 0.1
