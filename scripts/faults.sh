#!/usr/bin/env bash
# The fault suite (test/faults) on real throwaway clusters, then docs/faults.md from what it
# recorded. Extra arguments go to jest (e.g. a test file to run only that one).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
. scripts/env.sh
# Engine tests run the compiled SDK and provider (dist/) through the programs.
npm run --silent build:ts
records=$(mktemp -d)
trap 'rm -rf "$records"' EXIT
status=0
FAULTS_REPORT_DIR=$records npx jest -c test/faults/jest.config.js --ci --json --outputFile="$records/jest.json" "$@" || status=$?
node scripts/faults-report.js "$records" docs/faults.md
exit $status
