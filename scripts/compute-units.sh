#!/usr/bin/env bash
# Measures every instruction's worst case and writes the table in docs/compute-units.md:
# compute units and transaction sizes on the SBF build (perp.so, built first with
# scripts/build-sbf.sh), heap bytes from the native run (the counting allocator of
# perp_localnet::heap). The test behind it (tests/tests/compute_units.rs) also runs, in both
# modes, in the README's test command, where it fails past 200,000 CU, 32 KiB or 1,232 bytes.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/features.sh
ensure_libclang
bash scripts/build-sbf.sh
dir=$(mktemp -d)
run() { RUST_LOG=error cargo test --workspace --features "$VALIDATOR_FEATURES" --test compute_units >/dev/null 2>&1; }
CU_TABLE_OUT=$dir/native.tsv run
SBF_OUT_DIR=$PWD/target/deploy CU_TABLE_OUT=$dir/sbf.tsv run
python3 - "$dir/native.tsv" "$dir/sbf.tsv" docs/compute-units.md <<'PY'
import sys
native = [l.split("\t") for l in open(sys.argv[1]).read().splitlines()]
sbf = [l.split("\t") for l in open(sys.argv[2]).read().splitlines()]
assert [r[:2] for r in native] == [r[:2] for r in sbf], "the two runs measured different cases"
rows = ["| instruction | worst case | CU (SBF) | heap bytes (native) | tx bytes |", "|---|---|---:|---:|---:|"]
for n, s in zip(native, sbf):
    rows.append(f"| `{s[0]}` | {s[1]} | {int(s[2]):,} | {int(n[3]):,} | {int(s[4]):,} |")
doc = open(sys.argv[3]).read()
head, rest = doc.split("<!-- table -->\n", 1)
_, tail = rest.split("<!-- end of table -->", 1)
open(sys.argv[3], "w").write(head + "<!-- table -->\n" + "\n".join(rows) + "\n<!-- end of table -->" + tail)
PY
rm -rf "$dir"
echo "docs/compute-units.md updated"
