#!/usr/bin/env bash
# The project's test command (README "Test"; Anchor.toml [scripts] test; .ci/run).
# Runs the whole workspace suite: unit tests, proptests and the in-process validator tests.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace --all-targets "$@"
