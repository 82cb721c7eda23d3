#!/usr/bin/env bash
# Builds programs/perp to a real SBPF ELF, target/deploy/perp.so (and the example CPI integrator
# programs/hedge-vault to target/deploy/hedge_vault.so), without Solana's platform-tools:
# Debian's rustc-web (with its std sources), a static LLVM 23 from PyPI and crates.io's
# sbpf-linker, set up once under ${SBF_HOME:-$HOME/.cache/sbf-upstream} (scripts/sbf/setup.sh:
# idempotent, ~4 min the first time, under a second after). Where platform-tools exist,
# `cargo build-sbf` / `anchor build` build the same crates instead.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/sbf/setup.sh
export SBF_TARGET_DIR=${SBF_TARGET_DIR:-$PWD/target/sbf}
for program in programs/perp programs/hedge-vault; do
  bash scripts/sbf/build-program.sh "$program" target/deploy "$@"
done
