#!/usr/bin/env bash
# The full test suite: sets everything up first (./setup.sh), then runs every test project.
# Needs the shared data beside the checkout (../shared) or VIDEOMTL_SHARED_DIR.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
"$ROOT/setup.sh"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
# -m:1: one test assembly at a time. The Cli and Pipeline suites both run real inference and live servers;
# side by side on two cores each one's real-time deadlines (reconnect within 10 s) measured the other.
dotnet test "$ROOT/VideoMtl.sln" -c Release --no-build -m:1 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One closing line over all test assemblies, in the plain 'N passed, N failed' form.
awk '/(Passed|Failed)! +- +Failed: /{
       for (i = 1; i <= NF; i++) { gsub(",", "", $(i+1));
         if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
     END { printf "Tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
