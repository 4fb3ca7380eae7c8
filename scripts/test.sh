#!/usr/bin/env bash
# npm test: lint, typecheck, then every project's unit and integration tests in one jest run.
# Every step runs even when an earlier one fails, so one run reports everything; the exit status is non-zero if any failed.
# Integration tests use the broker and database found by libs/testing/src/global-setup.js
# (KAFKA_BROKERS/DATABASE_URL, else `npm run infra:up`'s broker, else testcontainers).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export NX_DAEMON=false NX_NO_CLOUD=true KAFKAJS_NO_PARTITIONER_WARNING=1
# kafkajs schedules a negative timeout while a broker connection is being set up; Node 24 warns about each one.
export NODE_OPTIONS="${NODE_OPTIONS:-} --disable-warning=TimeoutNegativeWarning"

failed=()
echo "== lint"
bash scripts/lint.sh || failed+=(lint)
echo "== typecheck"
tsc -p tsconfig.json || failed+=(typecheck)
echo "== tests"
jest -c jest.config.js --ci "$@" || failed+=(tests)

if [ ${#failed[@]} -gt 0 ]; then
  echo "npm test: failed: ${failed[*]}"
  exit 1
fi
echo "npm test: lint, typecheck and tests passed"
