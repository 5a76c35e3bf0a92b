#!/usr/bin/env bash
# Runs a command (default: the README's test command) several times in a row while a busy loop
# keeps every core occupied, to bring out tests that only pass on an idle machine.
#
#   bash scripts/stress-test.sh                          # bash scripts/test.sh, 3 runs
#   bash scripts/stress-test.sh --runs 5 -- npm run test:e2e
#
# Per run it prints the exit code, the duration and the failed tests named in jest's summary.
# Exit 0 when every run passed, 1 when one failed, 2 on bad usage.
# The hog is bounded: the EXIT/INT/TERM/HUP trap stops it, and each hog loop also ends by itself
# as soon as this script's process is gone (even after a SIGKILL, which no trap sees).
set -uo pipefail

usage() {
  sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
  echo "usage: bash scripts/stress-test.sh [--runs N] [--] [COMMAND [ARG...]]"
}

runs=3
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs | --runs=*)
      if [[ "$1" == --runs=* ]]; then value=${1#--runs=}; shift; else value=${2-}; shift $(($# >= 2 ? 2 : 1)); fi
      if ! [[ "$value" =~ ^[1-9][0-9]{0,3}$ ]]; then
        echo "error: --runs needs a whole number from 1 to 9999, got '$value'" >&2
        echo "hint: bash scripts/stress-test.sh --runs 3 [-- COMMAND...]" >&2
        exit 2
      fi
      runs=$value
      ;;
    -h | --help) usage; exit 0 ;;
    --) shift; break ;;
    -*)
      echo "error: unknown flag '$1'" >&2
      echo "hint: put the command after --, e.g. bash scripts/stress-test.sh --runs 2 -- npm run test:unit" >&2
      exit 2
      ;;
    *) break ;;
  esac
done
[[ $# -gt 0 ]] || set -- bash scripts/test.sh
cd "$(dirname "$0")/.."

logdir=$(mktemp -d "${TMPDIR:-/tmp}/kubectl-srs-stress.XXXXXX")
self=$$
hogs=()
child=

stop_hogs() {
  local pid
  for pid in "${hogs[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${hogs[@]}"; do wait "$pid" 2>/dev/null; done
  hogs=()
}
on_signal() {
  [[ -n "$child" ]] && kill -TERM -- "-$child" 2>/dev/null
  stop_hogs
  echo "stress-test: interrupted; logs in $logdir" >&2
  exit "$1"
}
trap stop_hogs EXIT
trap 'on_signal 130' INT
trap 'on_signal 143' TERM
trap 'on_signal 129' HUP

cores=$(nproc)
for ((i = 0; i < cores; i++)); do
  # busy, and ends once this script is no longer its parent (the script died, even by SIGKILL)
  (
    trap - EXIT INT TERM HUP
    while read -r _ _ _ ppid _ <"/proc/$BASHPID/stat" && [[ "$ppid" == "$self" ]]; do :; done
  ) &
  hogs+=("$!")
done
echo "stress-test: $cores busy loops (pids ${hogs[*]}); $runs run(s) of: $*; logs in $logdir"

# Failed tests from jest's output: the FAIL lines of suites and the "●" titles of failed tests
# (each is printed twice, inline with the project name and in the summary, hence the dedup),
# without colour codes.
failed_tests() {
  sed 's/\x1b\[[0-9;]*m//g' "$1" | grep -E '^(FAIL |\s*● )' | grep -v '● Console' |
    sed -E 's/^\s*//; s/^FAIL (unit|e2e) /FAIL /' | awk '!seen[$0]++'
}

summary=()
failures=0
for ((run = 1; run <= runs; run++)); do
  log="$logdir/run-$run.log"
  echo "=== stress-test: run $run/$runs ==="
  start=$(date +%s)
  # its own process group (set -m), so a signal to this script can stop the whole tree
  set -m
  "$@" >"$log" 2>&1 </dev/null &
  child=$!
  set +m
  tail -n +1 -f --pid="$child" "$log" &
  follower=$!
  wait "$child"
  code=$?
  child=
  wait "$follower"
  duration=$(($(date +%s) - start))
  line="run $run: exit $code, ${duration}s"
  if [[ $code -ne 0 ]]; then failures=$((failures + 1)); fi
  failed=$(failed_tests "$log")
  summary+=("$line")
  if [[ -n "$failed" ]]; then
    while IFS= read -r f; do summary+=("    $f"); done <<<"$failed"
  elif [[ $code -ne 0 ]]; then
    summary+=("    (no failed test in jest's summary: see $log)")
  fi
  echo "=== stress-test: $line ==="
done
stop_hogs

echo "=== stress-test summary ($runs run(s) with $cores busy cores; logs in $logdir) ==="
printf '%s\n' "${summary[@]}"
[[ $failures -eq 0 ]]
