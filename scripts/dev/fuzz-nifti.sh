#!/usr/bin/env bash
# Runs the NIfTI reader's seeded mutation fuzzer (Tests/VolumesTests/NIfTIFuzzTests.swift) for
# SECONDS (default 3600) with SEED (default 2026); prints the executions and the outcomes seen.
# With --coverage, the tests are built with coverage instrumentation (in .build/coverage, a build
# of its own) and the line and branch coverage the fuzzer reached in the reader's files follows.
# Usage: bash scripts/dev/fuzz-nifti.sh [--coverage] [SECONDS] [SEED]
set -euo pipefail
cd "$(dirname "$0")/../.."
coverage=false
if [[ ${1:-} == --coverage ]]; then coverage=true; shift; fi
export GANET_SEG_FUZZ_SECONDS=${1:-3600} GANET_SEG_FUZZ_SEED=${2:-2026}
if ! $coverage; then
  swift build --build-tests
  swift test --skip-build --filter NIfTIFuzzTests 2>&1 | grep -E "NIfTI fuzz|passed|failed|error"
  exit
fi
scratch=.build/coverage
swift build --build-tests --enable-code-coverage --scratch-path "$scratch"
tests=$(find "$scratch/debug/" -maxdepth 1 -name "*PackageTests.xctest" | head -1)
profiles=$(mktemp -d)
trap 'rm -rf "$profiles"' EXIT
LLVM_PROFILE_FILE="$profiles/fuzz-%p.profraw" "$tests" --testing-library swift-testing --filter NIfTIFuzzTests 2>&1 \
  | grep -E "NIfTI fuzz|passed|failed|error"
toolchain=$(dirname "$(readlink -f "$(command -v swift)")")
"$toolchain/llvm-profdata" merge -sparse "$profiles"/*.profraw -o "$profiles/fuzz.profdata"
"$toolchain/llvm-cov" report "$tests" -instr-profile "$profiles/fuzz.profdata" \
  Sources/Volumes/NIfTIReader.swift Sources/Volumes/ZnzFile.swift Sources/Volumes/VoxelDecoder.swift \
  Sources/Volumes/Geometry.swift Sources/CNIfTI/shim.c
