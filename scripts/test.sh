#!/usr/bin/env bash
# The README's test command: installs everything, then runs the whole suite (type check,
# lint, unit tests, end-to-end tests against the local control plane it starts itself).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
npm ci --no-audit --no-fund
npm test
