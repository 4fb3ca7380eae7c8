#!/usr/bin/env bash
# npm test: lint, typecheck, then every project's unit and integration tests in one jest run.
# Integration tests use the broker and database found by libs/testing/src/global-setup.js
# (KAFKA_BROKERS/DATABASE_URL, else `npm run infra:up`'s broker, else testcontainers).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export NX_DAEMON=false NX_NO_CLOUD=true KAFKAJS_NO_PARTITIONER_WARNING=1

echo "== lint"
bash scripts/lint.sh
echo "== typecheck"
tsc -p tsconfig.json
echo "== tests"
jest -c jest.config.js --ci "$@"
