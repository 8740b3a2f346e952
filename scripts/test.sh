#!/usr/bin/env bash
# The whole test suite: set-up (idempotent), then every jest test. Cluster-backed tests start
# their own throwaway clusters; engine tests drive the real pulumi CLI built by setup.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
bash scripts/setup.sh
. scripts/env.sh
results=$(mktemp)
faults=$(mktemp)
trap 'rm -f "$results" "$faults"' EXIT
status=0
npx jest --ci --json --outputFile="$results" "$@" || status=$?
# The fault suite (test/faults: killed processes and daemons on real clusters) is a jest project of
# its own, run after the rest so its daemons never share the cores with other tests' clusters.
started=$SECONDS
npx jest -c test/faults/jest.config.js --ci --json --outputFile="$faults" --passWithNoTests "$@" || status=$?
echo "fault suite: $((SECONDS - started)) s"
# One plain closing line that any CI log reader understands, counting both runs.
node -e '
  const fs = require("fs");
  const rs = process.argv.slice(1).map((f) => JSON.parse(fs.readFileSync(f, "utf8") || "{}"));
  const sum = (k) => rs.reduce((n, r) => n + (r[k] ?? 0), 0);
  console.log(`jest: ${sum("numPassedTests")} passed, ${sum("numFailedTests")} failed` + (sum("numPendingTests") ? `, ${sum("numPendingTests")} skipped` : ""));
  if (sum("numTotalTests") === 0) { console.log("no test ran"); process.exit(1); }
' "$results" "$faults" || status=1
# Every README claim mapped in docs/claims.md must be proven by a test that passed in this run
# (only on a full run: a run narrowed by arguments leaves most of them out).
if [ $# -eq 0 ]; then
  node dist/test/claims/claims.js "$ROOT" "$results" "$faults" || status=1
fi
exit $status
