#!/usr/bin/env bash
# Runs the NIfTI reader's seeded mutation fuzzer (Tests/VolumesTests/NIfTIFuzzTests.swift) for
# SECONDS (default 3600) with SEED (default 2026); prints the executions and the outcomes seen.
# Usage: bash scripts/dev/fuzz-nifti.sh [SECONDS] [SEED]
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build --build-tests
GANET_SEG_FUZZ_SECONDS=${1:-3600} GANET_SEG_FUZZ_SEED=${2:-2026} \
    swift test --skip-build --filter NIfTIFuzzTests 2>&1 | grep -E "NIfTI fuzz|passed|failed|error"
