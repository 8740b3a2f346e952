#!/usr/bin/env bash
# The whole test suite: set-up (idempotent), then every jest test. Cluster-backed tests start
# their own throwaway clusters; engine tests drive the real pulumi CLI built by setup.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
bash scripts/setup.sh
. scripts/env.sh
results=$(mktemp)
trap 'rm -f "$results"' EXIT
status=0
npx jest --ci --json --outputFile="$results" "$@" || status=$?
# One plain closing line that any CI log reader understands.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`jest: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
  if (r.numTotalTests === 0) { console.log("no test ran"); process.exit(1); }
' "$results" || status=1
# Every README claim mapped in docs/claims.md must be proven by a test that passed in this run
# (only on a full run: a run narrowed by arguments leaves most of them out).
if [ $# -eq 0 ]; then
  node dist/test/claims/claims.js "$ROOT" "$results" || status=1
fi
exit $status
