#!/usr/bin/env bash
# The project's test command (README "Test"; Anchor.toml [scripts] test; .ci/run).
# 1. The whole suite with the program native: unit tests, proptests, the benchmark's smoke run,
#    the in-process validator tests and the end-to-end tests over JSON-RPC against Agave's
#    TestValidator (cargo feature `validator`).
# 2. The program built to SBF (scripts/build-sbf.sh, with the CPI example hedge_vault.so) and
#    every integration test again on perp.so: program-test and TestValidator load it instead of
#    the native builtin (SBF_OUT_DIR), and the compute-unit test enforces 200,000 CU per
#    instruction.
# 3. The checked-in IDL (idl/perp.json) is what the program generates (perp-idl --check).
# Extra arguments go to the first cargo test (e.g. a test name filter).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/features.sh
ensure_libclang
step "tests, native program" cargo test --workspace --all-targets --features "$VALIDATOR_FEATURES" "$@"
step "IDL up to date" cargo run -q -p perp-idl -- --check
step "SBF build" bash scripts/build-sbf.sh
step "integration tests, SBF program" env SBF_OUT_DIR="$PWD/target/deploy" \
  cargo test --workspace --features "$VALIDATOR_FEATURES" --test '*'
