#!/usr/bin/env bash
# ESLint over the whole workspace. The Nx project graph is computed first: @nx/enforce-module-boundaries
# needs it to know each file's project and tags (without it the rule would silently skip).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export NX_DAEMON=false NX_NO_CLOUD=true
nx show projects >/dev/null
eslint --max-warnings=0 "${@:-.}"
