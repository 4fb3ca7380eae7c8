#!/bin/sh
# Container entry point (deploy/Dockerfile): runs the app named by WEFT_SERVICE.
set -eu
service="${WEFT_SERVICE:-}"
if [ -z "$service" ] || [ ! -f "apps/$service/src/main.ts" ]; then
  echo "WEFT_SERVICE must name an app under apps/ (got '$service'); one of: $(ls apps | tr '\n' ' ')" >&2
  exit 64
fi
# exec: node becomes PID 1 so SIGTERM reaches the service's graceful shutdown.
exec node -r @swc-node/register "apps/$service/src/main.ts"
