#!/usr/bin/env bash
# A long fuzzing run of the engine: the CI fuzz tests (tests/fuzz) with many more examples
# and a fresh random seed each run. Usage: bench/fuzz.sh [examples per test, default 5000]
# A failure prints the smallest input hypothesis found; add it to tests/ as a regression.
set -euo pipefail
cd "$(dirname "$0")/.."
export ALINT_FUZZ_EXAMPLES="${1:-5000}" ALINT_FUZZ_RANDOM=1
exec python -m pytest -q -p no:cacheprovider tests/fuzz "${@:2}"
