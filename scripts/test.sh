#!/usr/bin/env bash
# The project's test command (README "Test"; Anchor.toml [scripts] test; .ci/run).
# The whole suite: unit tests, proptests, the in-process validator tests and the end-to-end
# tests over JSON-RPC against Agave's TestValidator (cargo feature `validator`).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/features.sh
ensure_libclang
cargo test --workspace --all-targets --features "$VALIDATOR_FEATURES" "$@"
