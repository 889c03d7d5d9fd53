#!/usr/bin/env bash
# Runs every test project in the solution and prints one closing line: "tests: N passed, N failed, N skipped".
# After it come the failed tests, each with the first lines of its error message and stack trace (read from the
# TRX files of the run), so a failing CI log ends with what failed and why.
# TEST_RESULTS_DIR=dir keeps the TRX files in dir; by default they go to a temporary folder removed at the end.
set -uo pipefail
results=${TEST_RESULTS_DIR:+$(realpath -m "$TEST_RESULTS_DIR")}
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
results=${results:-$work/results}
mkdir -p "$results"
log=$work/log
# The TRX logger announces each file ("Results File: …"); those lines are left out of the console.
dotnet test RagOperator.sln --no-build "$@" --logger "console;verbosity=minimal" \
  --logger "trx;LogFilePrefix=tests" --results-directory "$results" 2>&1 \
  | grep --line-buffered -v -E '^Results File: .*\.trx$' | tee "$log"
status=${PIPESTATUS[0]}
read -r passed failed skipped < <(awk '
  /(Passed|Failed)!.*Failed:/ {
    for (i = 1; i <= NF; i++) {
      gsub(",", "", $(i+1));
      if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1)
    }
  }
  END { print p+0, f+0, s+0 }' "$log")
echo "tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
listed=$(python3 .ci/trx-failures.py --names "$results" | wc -l)
if [ "$failed" -gt "$listed" ]; then
  echo "the console counts ${failed} failed tests but the TRX files record ${listed}; the others are in the output above" >&2
elif [ "$status" -ne 0 ] && [ "$listed" -eq 0 ]; then
  echo "dotnet test exited with status ${status} and no failed test recorded; see the output above" >&2
fi
if [ "$passed" -eq 0 ]; then echo "no test ran" >&2; status=1; fi
python3 .ci/trx-failures.py "$results"
exit "$status"
