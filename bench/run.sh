#!/usr/bin/env bash
# Runs the machine's limits and the product back to back and prints every product figure as a
# ratio of its limit (docs/benchmarks.md). Builds nothing: build first with
#   cmake --build BUILD --target ttareungyi-bench
#
#   bench/run.sh [options] BUILD_DIR
#     --duration SEC     measured seconds per run (default 10)
#     --warmup SEC       warm-up seconds per run, excluded (default 2)
#     --connections N    connections of the HTTP runs (default 64)
#     --read-rate R      the open-model read runs: R reads/s over the same connections, latency
#                        from the intended send time (default 5000)
#     --notify-rate R    the notify run: R rides/s (rent + return) over the same connections,
#                        each connection's customer listening to its notification stream;
#                        reports the delay from each HTTP answer to its notification (default 1000)
#     --out DIR          results folder (default BUILD_DIR/bench-results/DATE)
#     --large            instead: 10k and 1M bicycles + tickets loaded with
#                        ttareungyi-bench-loader; start-up time, RSS and read p99 of both, and
#                        the ride p99 alone and during a walk through the bicycle listing
#     --spread-duration SEC  --large: reads spread over every ticket for the RSS (default 60)
#     --no-fsync         also pass --no-fsync to the server (the ratios then compare apples
#                        with pears; for exploring only)
#     --server-arg ARG   one more flag for `ttareungyi serve` (repeatable), e.g.
#                        --server-arg --actor-threads=1; for exploring
#     --only LIST        default mode: run only these of
#                        fsync,bare,read,read-ticket,read-open,feed,purchase,ride,mix,notify
#                        (read and read-open read the current rental, read-ticket a ticket,
#                        feed polls the public GBFS station_status.json without a token;
#                        purchase-split and ride-split run against a core whose payment
#                        context is on a payment node: the cost of the remote hop;
#                        ride-replicas against a core whose notifications two notifier
#                        replicas make; read-gateway and ride-gateway through a gateway node
#                        in front of the product)
#     --rounds N         bare and read N times, alternating (bare, read, bare, read, ...), on
#                        servers kept up; the read's ratio and p99 are the medians over the
#                        rounds (default 1). For a machine whose speed drifts between runs.
#     --keep             keep the temporary data folders
# Every ttareungyi-load run also measures what the server spent on its measured window (warm-up
# and setup excluded): ttareungyi-load gets the server's pids (--server-pid) and HTTP ports
# (--metrics-port) and reads, just before the window and just after it, the CPU time of each
# process (utime + stime of /proc/PID/stat, what its process_cpu_seconds_total reads) and the
# commits, commit groups and fsyncs of its GET /metrics; a product of several nodes is summed
# over them. The scrapes fall outside the CPU window (scrape, then CPU at the start; CPU, then
# scrape at the end). The report gives per scenario the server's CPU per operation, its CPU per
# HTTP request as a multiple of the bare endpoint's, commits and fsyncs per operation, and writes
# that table to OUT/cost.md in docs/benchmarks.md's format.
# Everything runs on 127.0.0.1; every process started here is stopped by its pid on exit.
set -euo pipefail

duration=10 warmup=2 connections=64 read_rate=5000 notify_rate=1000 spread_duration=60 out="" large=0 keep=0 rounds=1 server_extra=()
build="" only=",fsync,bare,read,read-ticket,read-open,feed,purchase,ride,mix,notify,purchase-split,ride-split,ride-replicas,read-gateway,ride-gateway,"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --read-rate) read_rate="$2"; shift 2 ;;
    --notify-rate) notify_rate="$2"; shift 2 ;;
    --spread-duration) spread_duration="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --large) large=1; shift ;;
    --no-fsync) server_extra+=(--no-fsync); shift ;;
    --server-arg) server_extra+=("$2"); shift 2 ;;
    --only) only=",$2,"; shift 2 ;;
    --keep) keep=1; shift ;;
    --rounds) rounds="$2"; shift 2 ;;
    -h|--help) sed -n '2,/^[^#]/{/^#/p}' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    *) build="$1"; shift ;;
  esac
done
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --rounds takes a positive number" >&2; exit 2; }
[[ -n "$build" ]] || { echo "usage: bench/run.sh [options] BUILD_DIR" >&2; exit 2; }
build="$(cd "$build" && pwd)"
server="$build/server/ttareungyi"
load="$build/bench/ttareungyi-load"
bare="$build/bench/ttareungyi-bare"
fsync_limit="$build/bench/ttareungyi-fsync-limit"
loader="$build/bench/ttareungyi-bench-loader"
report="$build/bench/ttareungyi-bench-report"
for exe in "$server" "$load" "$bare" "$fsync_limit" "$loader" "$report"; do
  [[ -x "$exe" ]] || { echo "run.sh: $exe is missing; build with: cmake --build $build --target ttareungyi-bench" >&2; exit 2; }
done
out="${out:-$build/bench-results/$(date -u +%Y%m%dT%H%M%SZ)$( ((large)) && echo -large || true)}"
mkdir -p "$out"
work="$(mktemp -d "${TMPDIR:-/tmp}/ttareungyi-bench-XXXXXX")"
operator="bench:bench-secret-$RANDOM$RANDOM"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ $keep == 1 ]]; then echo "data kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ns() { date +%s%N; }

# start NAME COMMAND...: starts a server printing "listening on ADDR:PORT"; sets PID, PORT and
# STARTUP (seconds from launch until that line).
start() {
  local name="$1"; shift
  local t0; t0=$(now_ns)
  # No load balancer to notice a drain here: a server stops at once on SIGTERM.
  if [[ "${2:-}" == serve ]]; then set -- "$1" serve --drain-ms 0 "${@:3}"; fi
  "$@" >"$work/$name.out" 2>"$work/$name.log" &
  PID=$!
  pids+=("$PID")
  for _ in $(seq 1 12000); do
    if grep -q '^listening on ' "$work/$name.out" 2>/dev/null; then
      STARTUP=$(awk -v a="$t0" -v b="$(now_ns)" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
      PORT=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$work/$name.out" | head -1)
      return 0
    fi
    kill -0 "$PID" 2>/dev/null || { echo "run.sh: $name exited:" >&2; tail -20 "$work/$name.log" >&2; exit 1; }
    sleep 0.01
  done
  echo "run.sh: $name did not start within 120 s" >&2
  exit 1
}

stop() {  # stop PID
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  local keep_pids=()
  for p in "${pids[@]}"; do [[ "$p" != "$1" ]] && keep_pids+=("$p"); done
  pids=("${keep_pids[@]}")
}

# wait_idle PID: waits until the process uses under 5 % of a core over a second (e.g. RocksDB's
# compactions after a bulk load are done), at most 180 s; sets IDLE_AFTER (seconds waited).
wait_idle() {
  local t0 a b; t0=$(now_ns)
  a=$(awk '{ print $14 + $15 }' "/proc/$1/stat")
  for _ in $(seq 1 180); do
    sleep 1
    b=$(awk '{ print $14 + $15 }' "/proc/$1/stat")
    (( b - a < 5 )) && break
    a=$b
  done
  IDLE_AFTER=$(awk -v a="$t0" -v b="$(now_ns)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
}

rss_json() {  # rss_json PID: "rssKiB": .., "hwmKiB": .. from /proc
  awk '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 } END { printf "\"rssKiB\": %d, \"hwmKiB\": %d", r, h }' "/proc/$1/status"
}

wanted() { [[ $large == 1 || "$only" == *",$1,"* ]]; }

run_load() {  # run_load NAME ARGS...: one ttareungyi-load run, text to the terminal, JSON to $out/NAME.json
  local name="$1"; shift
  wanted "$name" || return 0
  run_load_as "$name" "$name" "$@"
}

run_load_as() {  # run_load_as NAME FILE ARGS...: the same, JSON to $out/FILE.json
  local name="$1" file="$2"; shift 2
  echo "== $file: ttareungyi-load $*"
  "$load" --host 127.0.0.1 --json-file "$out/$file.json" --label "$name" "$@" 2> >(sed 's/^/   /' >&2) || {
    echo "run.sh: $file failed (exit $?)" >&2
  }
}

run_load_bg() {  # run_load_bg NAME ARGS...: run_load in the background, its output kept for load_done; sets LOAD_PID
  local name="$1"; shift
  echo "== $name: ttareungyi-load $* (in the background)"
  "$load" --host 127.0.0.1 --json-file "$out/$name.json" --label "$name" "$@" >"$work/$name.txt" 2>"$work/$name.err" &
  LOAD_PID=$!
  pids+=("$LOAD_PID")
}

load_done() {  # load_done NAME PID: waits for a run_load_bg run, then shows what it printed
  local status=0
  wait "$2" || status=$?
  local keep_pids=()
  for p in "${pids[@]}"; do [[ "$p" != "$2" ]] && keep_pids+=("$p"); done
  pids=("${keep_pids[@]}")
  echo "== $1 (from the background):"
  sed 's/^/   /' "$work/$1.err" >&2
  cat "$work/$1.txt"
  (( status == 0 )) || echo "run.sh: $1 failed (exit $status)" >&2
}

rides_with_listing() {  # rides_with_listing RIDES LISTING ARGS...: RIDES alone, then again beside a listing walk
  local rides="$1" listing="$2"; shift 2
  run_load "$rides" "$@"
  run_load_bg "$rides-listing" "$@"
  local ride_pid=$LOAD_PID
  until grep -q '^run: ' "$work/$rides-listing.err" 2>/dev/null || ! kill -0 "$ride_pid" 2>/dev/null; do sleep 0.05; done
  run_load "$listing" --port "$PORT" --load-setup "$work/setup-$size.json" --scenario list --page-size 100 \
    --connections 1 "${common[@]}"
  load_done "$rides-listing" "$ride_pid"
}

{
  printf '{"date": "%s", "nproc": %s, "cpu": "%s", "kernel": "%s", "loadavg": "%s", ' \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(nproc)" "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)" \
    "$(uname -r)" "$(cut -d' ' -f1-3 /proc/loadavg)"
  printf '"duration": %s, "warmup": %s, "connections": %s, "readRate": %s, "notifyRate": %s, "large": %s}\n' \
    "$duration" "$warmup" "$connections" "$read_rate" "$notify_rate" "$large"
} >"$out/machine.json"
echo "machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "results: $out"

common=(--duration "$duration" --warmup "$warmup")
# Half of the customers keep a bicycle rented (the readers of the current rental), the other
# half buy and ride: at least one rider per connection, as notify needs.
customers=$(( 2 * connections > 200 ? 2 * connections : 200 ))

if [[ $large == 0 ]]; then
  # 1. The durable-write limit, on the file system the server's data dir is on.
  if wanted fsync; then
    echo "== fsync: ttareungyi-fsync-limit --dir $work --threads 64 --duration $duration --warmup $warmup"
    "$fsync_limit" --dir "$work" --threads 64 --duration "$duration" --warmup "$warmup" --json >"$out/fsync.json"
    sed -n 's/^  "\(writesPerSecond\|writesPerSync\)": /   \1: /p' "$out/fsync.json"
  fi

  # 2. The HTTP limit: a bare RESTinio endpoint, one I/O thread, requests shaped like reads.
  bare_load=(--scenario get --path /v1/tickets/t_0123456789abcdef --connections "$connections" "${common[@]}")
  if wanted bare; then
    start bare "$bare" --port 0 --bind 127.0.0.1
    bare_pid=$PID bare_port=$PORT
    run_load bare --port "$bare_port" --server-pid "$bare_pid" "${bare_load[@]}"
    # With rounds, it stays up for the rounds after the product's first read.
    (( rounds > 1 )) && wanted read || stop "$bare_pid"
  fi

  # 3. The product, fsync'd, one HTTP I/O thread (its defaults), rate limiting off.
  if [[ "$only" =~ ,(read|read-ticket|read-open|feed|purchase|ride|mix|notify), ]]; then
    mkdir -p "$work/product"
    start product "$server" serve --port 0 --bind 127.0.0.1 --data-dir "$work/product" --rate-limit-rps 0 \
      --operator-client "$operator" "${server_extra[@]}"
    echo "== product listening on port $PORT after ${STARTUP}s"
    echo "== setup: ttareungyi-load --setup-only --customers $customers --save-setup setup.json"
    "$load" --port "$PORT" --operator "$operator" --customers "$customers" --connections "$connections" --setup-only \
      --save-setup "$work/setup.json" 2> >(sed 's/^/   /' >&2)
    product=(--port "$PORT" --server-pid "$PID" --metrics-port "$PORT" --load-setup "$work/setup.json"
      --connections "$connections" "${common[@]}")
    run_load read "${product[@]}" --scenario read
    if (( rounds > 1 )) && wanted bare && wanted read; then
      for (( r = 2; r <= rounds; r++ )); do
        run_load_as bare "bare.$r" --port "$bare_port" --server-pid "$bare_pid" "${bare_load[@]}"
        run_load_as read "read.$r" "${product[@]}" --scenario read
      done
      stop "$bare_pid"
    fi
    run_load read-ticket "${product[@]}" --scenario read --read-target ticket
    run_load read-open "${product[@]}" --scenario read --rate "$read_rate"
    run_load feed "${product[@]}" --scenario get --path /gbfs/station_status.json
    run_load purchase "${product[@]}" --scenario purchase
    run_load ride "${product[@]}" --scenario ride
    run_load mix "${product[@]}" --scenario mix
    run_load notify "${product[@]}" --scenario notify --rate "$notify_rate"
    echo "== product: $(rss_json "$PID")"
    printf '{"startupSeconds": %s, %s, "serverArgs": "%s"}\n' "$STARTUP" "$(rss_json "$PID")" "${server_extra[*]}" \
      >"$out/product.json"
    stop "$PID"
  fi

  # 4. The same product split in two nodes (docs/nodes.md): the payment context on a payment
  # node, reached over CAF's remote actors; purchases cross the hop twice (charge, verdict).
  if [[ "$only" =~ ,(purchase-split|ride-split), ]]; then
    mkdir -p "$work/split-payment" "$work/split-core"
    start split-payment "$server" serve --roles payment --node-port 0 --port 0 --bind 127.0.0.1 \
      --data-dir "$work/split-payment" "${server_extra[@]}"
    payment_pid=$PID payment_port=$PORT
    node_port=$(sed -n 's/^node listening on .*:\([0-9][0-9]*\)$/\1/p' "$work/split-payment.out" | head -1)
    start split-core "$server" serve --roles http,core,notifier --payment "127.0.0.1:$node_port" --port 0 \
      --bind 127.0.0.1 --data-dir "$work/split-core" --rate-limit-rps 0 --operator-client "$operator" "${server_extra[@]}"
    for _ in $(seq 1 500); do
      curl -sf "http://127.0.0.1:$PORT/health/ready" >/dev/null && break
      sleep 0.01
    done
    echo "== split: payment node on node port $node_port, core listening on port $PORT"
    "$load" --port "$PORT" --operator "$operator" --customers "$customers" --connections "$connections" --setup-only \
      --save-setup "$work/setup-split.json" 2> >(sed 's/^/   /' >&2)
    # The cost is the two processes' together: CPU, commits and fsyncs summed over both.
    split=(--port "$PORT" --server-pid "$PID" --metrics-port "$PORT" --server-pid "$payment_pid"
      --metrics-port "$payment_port" --load-setup "$work/setup-split.json" --connections "$connections" "${common[@]}")
    run_load purchase-split "${split[@]}" --scenario purchase
    run_load ride-split "${split[@]}" --scenario ride
    stop "$PID"
  fi

  # 5. Rides on a core whose notifications two notifier replicas make (docs/nodes.md): each
  # ride's notices are read from the core's journal and committed back over CAF's remote hop.
  if wanted ride-replicas; then
    mkdir -p "$work/replicas-core" "$work/replica-1" "$work/replica-2"
    start replicas-core "$server" serve --roles http,core,payment --node-port 0 --port 0 --bind 127.0.0.1 \
      --data-dir "$work/replicas-core" --rate-limit-rps 0 --operator-client "$operator" "${server_extra[@]}"
    core_pid=$PID core_port=$PORT
    node_port=$(sed -n 's/^node listening on .*:\([0-9][0-9]*\)$/\1/p' "$work/replicas-core.out" | head -1)
    replica_pids=()
    replicas_cost=(--server-pid "$core_pid" --metrics-port "$core_port")
    for r in 1 2; do
      start "replica-$r" "$server" serve --roles notifier --core "127.0.0.1:$node_port" --port 0 --bind 127.0.0.1 \
        --data-dir "$work/replica-$r" "${server_extra[@]}"
      replica_pids+=("$PID")
      replicas_cost+=(--server-pid "$PID" --metrics-port "$PORT")
    done
    echo "== replicas: core on node port $node_port, two notifier replicas"
    "$load" --port "$core_port" --operator "$operator" --customers "$customers" --connections "$connections" --setup-only \
      --save-setup "$work/setup-replicas.json" 2> >(sed 's/^/   /' >&2)
    run_load ride-replicas --port "$core_port" "${replicas_cost[@]}" --load-setup "$work/setup-replicas.json" \
      --connections "$connections" "${common[@]}" --scenario ride
    for pid in "${replica_pids[@]}"; do stop "$pid"; done
    stop "$core_pid"
  fi

  # 6. Through a gateway (docs/nodes.md): the product as a core with a node port, and a gateway
  # node (--roles http --core) in front of it. The gateway answers the remaining-time read from
  # its own copy of the view (no remote hop); rides cross CAF's remote hop to the core.
  if [[ "$only" =~ ,(read-gateway|ride-gateway), ]]; then
    mkdir -p "$work/gateway-core" "$work/gateway"
    start gateway-core "$server" serve --node-port 0 --port 0 --bind 127.0.0.1 --data-dir "$work/gateway-core" \
      --rate-limit-rps 0 --operator-client "$operator" "${server_extra[@]}"
    core_pid=$PID core_port=$PORT
    node_port=$(sed -n 's/^node listening on .*:\([0-9][0-9]*\)$/\1/p' "$work/gateway-core.out" | head -1)
    start gateway "$server" serve --roles http --core "127.0.0.1:$node_port" --port 0 --bind 127.0.0.1 \
      --data-dir "$work/gateway" --rate-limit-rps 0 "${server_extra[@]}"
    gateway_pid=$PID gateway_port=$PORT
    for _ in $(seq 1 500); do
      curl -sf "http://127.0.0.1:$gateway_port/health/ready" >/dev/null && break
      sleep 0.01
    done
    echo "== gateway: core on node port $node_port, gateway listening on port $gateway_port"
    "$load" --port "$gateway_port" --operator "$operator" --customers "$customers" --connections "$connections" \
      --setup-only --save-setup "$work/setup-gateway.json" 2> >(sed 's/^/   /' >&2)
    gateway=(--port "$gateway_port" --server-pid "$gateway_pid" --metrics-port "$gateway_port" --server-pid "$core_pid"
      --metrics-port "$core_port" --load-setup "$work/setup-gateway.json" --connections "$connections" "${common[@]}")
    run_load read-gateway "${gateway[@]}" --scenario read
    run_load ride-gateway "${gateway[@]}" --scenario ride
    stop "$gateway_pid"
    stop "$core_pid"
  fi
else
  # Large: the same read against 10k and 1M bicycles + tickets. 200 customers in both cases,
  # each read picking one of 50 tickets per customer (10k distinct tickets); then reads spread
  # over every ticket, for the RSS they leave.
  for size in 10k 1m; do
    case $size in
      10k) n=10000 stations=100 ;;
      1m) n=1000000 stations=1000 ;;
    esac
    data="$work/$size"
    echo "== load $size: ttareungyi-bench-loader --bicycles $n --tickets $n --customers 200 --stations $stations"
    t0=$(now_ns)
    "$loader" --data-dir "$data" --bicycles "$n" --tickets "$n" --customers 200 --stations "$stations" \
      --manifest-tickets 50 --manifest "$work/manifest-$size.json" --manifest-full "$work/manifest-$size-full.json" \
      2> >(sed 's/^/   /' >&2)
    load_s=$(awk -v a="$t0" -v b="$(now_ns)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
    du_kib=$(du -sk "$data" | cut -f1)
    # The first start after a bulk load also compacts what the loader wrote; let it finish, so
    # that the measured start and reads see the data settled as a long-running server keeps it.
    start "first-start-$size" "$server" serve --port 0 --bind 127.0.0.1 --data-dir "$data" --rate-limit-rps 0 \
      --operator-client "$operator" "${server_extra[@]}"
    first_startup=$STARTUP
    wait_idle "$PID"
    echo "== $size: first start after loading: listening after ${first_startup}s, idle after ${IDLE_AFTER}s more"
    stop "$PID"
    start "server-$size" "$server" serve --port 0 --bind 127.0.0.1 --data-dir "$data" --rate-limit-rps 0 \
      --operator-client "$operator" "${server_extra[@]}"
    echo "== $size: listening after ${STARTUP}s; $(rss_json "$PID")"
    wait_idle "$PID"
    echo "== $size: idle ${IDLE_AFTER}s after that"
    before=$(rss_json "$PID" | sed 's/"rssKiB"/"rssBeforeKiB"/; s/"hwmKiB"/"hwmBeforeKiB"/')
    # Sign the customers in once; both runs reuse the tokens.
    "$load" --port "$PORT" --load-setup "$work/manifest-$size.json" --setup-only \
      --save-setup "$work/setup-$size.json" 2> >(sed 's/^/   /' >&2)
    large_cost=(--server-pid "$PID" --metrics-port "$PORT")
    run_load "read-$size" --port "$PORT" "${large_cost[@]}" --load-setup "$work/setup-$size.json" --scenario read --read-target ticket \
      --connections "$connections" "${common[@]}"
    run_load "read-$size-open" --port "$PORT" "${large_cost[@]}" --load-setup "$work/setup-$size.json" --scenario read --read-target ticket \
      --connections "$connections" --rate "$read_rate" "${common[@]}"
    after=$(rss_json "$PID" | sed 's/"rssKiB"/"rssAfterKiB"/; s/"hwmKiB"/"hwmAfterKiB"/')
    echo "== $size: $after"
    # Reads spread over every ticket for $spread_duration s: each ticket read stays resident
    # (its actor), so this shows the RSS after many distinct tickets were read.
    "$load" --port "$PORT" --load-setup "$work/manifest-$size-full.json" --setup-only \
      --save-setup "$work/setup-$size-full.json" 2> >(sed 's/^/   /' >&2)
    run_load "read-$size-spread" --port "$PORT" "${large_cost[@]}" --load-setup "$work/setup-$size-full.json" --scenario read \
      --read-target ticket --connections "$connections" --duration "$spread_duration" --warmup 0
    spread=$(rss_json "$PID" | sed 's/"rssKiB"/"rssAfterSpreadKiB"/; s/"hwmKiB"/"hwmAfterSpreadKiB"/')
    echo "== $size: $spread"
    printf '{"size": "%s", "bicycles": %s, "tickets": %s, "loadSeconds": %s, "dataDirKiB": %s, "firstStartupSeconds": %s, "startupSeconds": %s, %s, %s}\n' \
      "$size" "$n" "$n" "$load_s" "$du_kib" "$first_startup" "$STARTUP" "$before" "$after, $spread" >"$out/large-$size.json"
    # Rides alone, then the same rides while a second load generator walks the bicycle listing
    # (GET /v1/bicycles, page after page over every bicycle, as fast as one client can): does a listing
    # raise the rides' p99? The rides use the loaded bicycles and stations of the manifest and
    # its customers as riders, each run buying its own ride pool first (time-boxed, as in the
    # default mode). The listing starts once that pool is bought ("run: " on the ride's
    # stderr), so both run their warm-up and window side by side; its server cost is not
    # taken: over the same window it is the ride-listing run's.
    # Twice: closed-model rides (as many as the machine takes, where the listing's CPU is taken
    # from them) and open-model rides at the notify rate (where only waiting behind the listing
    # would show).
    large_ride=(--port "$PORT" "${large_cost[@]}" --load-setup "$work/setup-$size.json" --scenario ride
      --connections "$connections" "${common[@]}")
    rides_with_listing "ride-$size" "list-$size" "${large_ride[@]}"
    rides_with_listing "ride-$size-open" "list-$size-open" "${large_ride[@]}" --rate "$notify_rate"
    stop "$PID"
  done
fi

echo
echo "== figures (ratios of the limits measured in this run)"
"$report" "$out"
