#!/usr/bin/env bash
# Measures every instruction's worst case on the SBF build (compute units, transaction size) and
# writes docs/compute-units.md. Builds perp.so first (scripts/build-sbf.sh). The test behind it
# (tests/tests/compute_units.rs) also runs in the README's test command, where it fails if any
# worst case exceeds 200,000 CU or 1,232 bytes.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/features.sh
ensure_libclang
bash scripts/build-sbf.sh
table=$(mktemp)
RUST_LOG=error SBF_OUT_DIR=$PWD/target/deploy CU_TABLE_OUT=$table \
  cargo test --workspace --features "$VALIDATOR_FEATURES" --test compute_units -- --nocapture >/dev/null
{
  sed -n '1,/^<!-- table -->$/p' docs/compute-units.md
  cat "$table"
  sed -n '/^<!-- end of table -->$/,$p' docs/compute-units.md
} > docs/compute-units.md.new
mv docs/compute-units.md.new docs/compute-units.md
rm -f "$table"
echo "docs/compute-units.md updated"
