#!/usr/bin/env bash
# tour_test.sh README SERVER: runs the README's API tour (its ```sh block) as written, with the
# built SERVER in place of ./build-release/server/ttareungyi and a free port in place of 8080,
# under `set -e -o pipefail`: a command that fails (curl unable to connect, an answer that is
# not the JSON the tour reads a field of) fails the test. Then checks a few of its answers.
set -euo pipefail
readme="$1" server="$2"
work="$(mktemp -d "${TMPDIR:-/tmp}/ttareungyi-tour-XXXXXX")"
tour=""
cleanup() {  # the tour runs in a process group of its own: whatever it left running goes
  [[ -z "$tour" ]] || kill -- -"$tour" 2>/dev/null || true
  [[ -n "${KEEP:-}" ]] || rm -rf "$work"
}
trap cleanup EXIT

awk '/^## API tour/ {tour = 1} tour && /^```sh$/ {code = 1; next} code && /^```$/ {exit} code {print}' "$readme" \
  >"$work/tour.sh"
[[ -s "$work/tour.sh" ]] || { echo "no \`\`\`sh block under '## API tour' in $readme"; exit 1; }
grep -q '8080' "$work/tour.sh" || { echo "the tour no longer names port 8080"; exit 1; }
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
sed -i "s#\./build-release/server/ttareungyi#$server#g; s#8080#$port#g" "$work/tour.sh"

setsid bash -c 'cd "$1" && exec timeout 120 bash -e -o pipefail tour.sh >out.txt 2>&1' tour "$work" &
tour=$!
status=0
wait "$tour" || status=$?
if [[ $status -ne 0 ]]; then
  echo "the tour failed (exit status $status); its output:"
  cat "$work/out.txt"
  exit 1
fi
expect() {  # expect TEXT WHAT: the tour printed TEXT at the end of a line (curl adds no newline)
  grep -q -- "$1\$" "$work/out.txt" || { echo "the tour did not show $2 ('$1'); its output:"; cat "$work/out.txt"; exit 1; }
}
expect "returned" "the returned rental"
expect "2000" "the refund of the 2-hour ticket"
expect "304" "a current GBFS copy answered 304"
expect "http://127.0.0.1:$port/gbfs/station_status.json" "the GBFS discovery file"
grep -q 'HTTP/1.1 201' "$work/out.txt" || { echo "the idempotent purchase did not answer 201"; exit 1; }
grep -q '"code":"forbidden"\|"status":403' "$work/out.txt" || { echo "no 403 problem"; cat "$work/out.txt"; exit 1; }
echo "the tour ran: $(grep -c . "$work/tour.sh") lines"
