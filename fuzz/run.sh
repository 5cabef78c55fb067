#!/usr/bin/env bash
# Runs every libFuzzer target of a fuzz build for SECONDS on its seed corpus (fuzz/corpus/NAME,
# read-only: new inputs go to a temporary folder that is removed afterwards, unless
# TTAREUNGYI_FUZZ_KEEP=DIR asks to keep them in DIR/NAME). Fails when any target finds a crash,
# a leak, a timeout or a sanitizer report; the reproducer is kept in ./fuzz-artifacts/.
#   fuzz/run.sh BUILD_DIR SECONDS [TARGET...]
set -euo pipefail
if [[ $# -lt 2 ]]; then
  echo "usage: $0 BUILD_DIR SECONDS [TARGET...]" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
seconds=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(json_request_fuzz jwt_fuzz token_form_fuzz)

scratch=$(mktemp -d "${TMPDIR:-/tmp}/ttareungyi-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
artifacts="$PWD/fuzz-artifacts"
mkdir -p "$artifacts"

failed=0
for t in "${targets[@]}"; do
  bin="$build/fuzz/$t"
  if [[ ! -x "$bin" ]]; then
    echo "fuzz: $bin is missing (configure with -DTTAREUNGYI_FUZZ=ON and build target ttareungyi-fuzz)" >&2
    exit 2
  fi
  out="${TTAREUNGYI_FUZZ_KEEP:-$scratch}/$t"
  mkdir -p "$out"
  dict=()
  [[ -f "$here/$t.dict" ]] && dict=(-dict="$here/$t.dict")
  echo "fuzz: $t for ${seconds}s"
  # The first folder collects new inputs; the seed corpus is only read.
  if "$bin" "${dict[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$artifacts/$t-" "$out" "$here/corpus/$t" >"$scratch/$t.log" 2>&1; then
    grep -E '^(stat::number_of_executed_units|stat::new_units_added|Done )' "$scratch/$t.log" | sed "s/^/fuzz: $t: /" || true
  else
    echo "fuzz: $t FAILED; its log:" >&2
    tail -n 60 "$scratch/$t.log" >&2
    failed=1
  fi
done
if [[ $failed -ne 0 ]]; then
  echo "fuzz: failures; reproducers in $artifacts (run: BUILD_DIR/fuzz/TARGET FILE)" >&2
  exit 1
fi
rmdir "$artifacts" 2>/dev/null || true
echo "fuzz: all targets clean"
