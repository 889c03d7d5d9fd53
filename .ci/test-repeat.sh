#!/usr/bin/env bash
# Runs every test project N times with .ci/dotnet-test.sh, without rebuilding (`make test-repeat` builds and
# fetches helm and kubectl first), and ends with a table of the failed tests ("- name") and run errors ("! crashed
# test host…") of each run and of how many runs each test failed in. Exits non-zero when any run failed.
#   N=5        number of runs
#   LOAD=1     keep one core busy during the runs, as on a loaded CI machine
# Arguments go to dotnet test, e.g. `.ci/test-repeat.sh -c Release --filter FullyQualifiedName~Migration`.
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${N:-5}
if ! [[ "$runs" =~ ^[1-9][0-9]*$ ]]; then echo "N must be a positive integer, not '$runs'" >&2; exit 2; fi
work=$(mktemp -d)
load_pid=
cleanup() {
  if [ -n "$load_pid" ]; then kill "$load_pid" 2>/dev/null; wait "$load_pid" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
load=${LOAD:-0}
if [ "$load" != 0 ]; then
  yes > /dev/null &
  load_pid=$!
  echo "LOAD=1: process $load_pid keeps one core busy until the last run ends"
fi

for ((run = 1; run <= runs; run++)); do
  echo "=== test run $run of $runs ==="
  started=$SECONDS
  TEST_RESULTS_DIR=$work/run-$run bash .ci/dotnet-test.sh "$@" 2>&1 | tee "$work/run-$run.log"
  echo "${PIPESTATUS[0]} $((SECONDS - started))" > "$work/run-$run.status"
  python3 .ci/trx-failures.py --names "$work/run-$run" > "$work/run-$run.failed"
  python3 .ci/trx-failures.py --errors "$work/run-$run" > "$work/run-$run.errors"
done

failed_runs=0
echo
echo "=== test-repeat: $runs run(s)$([ "$load" != 0 ] && echo ", one core busy") ==="
printf '%-4s %-7s %6s  %s\n' run result time "tests, then the failed ones"
for ((run = 1; run <= runs; run++)); do
  read -r status seconds < "$work/run-$run.status"
  counts=$(grep -E '^tests: ' "$work/run-$run.log" | tail -n 1)
  if [ "$status" -eq 0 ]; then result=ok; else result=FAILED; failed_runs=$((failed_runs + 1)); fi
  printf '%-4s %-7s %5ss  %s\n' "$run" "$result" "$seconds" "${counts:-tests: no summary line}"
  while IFS= read -r name; do printf '%20s- %s\n' '' "$name"; done < "$work/run-$run.failed"
  while IFS= read -r error; do printf '%20s! %s\n' '' "$error"; done < "$work/run-$run.errors"
  if [ "$status" -ne 0 ] && [ ! -s "$work/run-$run.failed" ]; then
    printf '%20s(exit status %s, no failed test in the TRX files; see the run'"'"'s output)\n' '' "$status"
  fi
done
if [ "$failed_runs" -gt 0 ]; then
  echo
  echo "runs failed per test:"
  cat "$work"/run-*.failed | sort | uniq -c | sort -k1,1nr -k2 | while read -r count name; do
    printf '  %s/%s  %s\n' "$count" "$runs" "$name"
  done
  echo
  echo "test-repeat: $failed_runs of $runs runs failed"
  exit 1
fi
echo
echo "test-repeat: all $runs runs passed"
