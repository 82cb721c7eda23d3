# Shared by scripts/test.sh, scripts/compute-units.sh and .ci/run: one feature set, so the
# dependency tree builds once; the timed step runner; libclang for Agave's validator tree.
VALIDATOR_FEATURES="perp-tests/validator,perp-keeper/validator,perp-cli/validator"

# step NAME COMMAND...: runs COMMAND, printing how long it took.
step() { local name=$1; shift; local t0=$SECONDS; echo "::: $name"; "$@"; echo "::: $name took $((SECONDS - t0)) s"; }

# Agave's validator tree builds rocksdb's bindings with bindgen, which needs libclang itself
# (libclang.so / libclang-NN.so.N, not libclang-cpp, which Debian images often carry alone).
has_libclang() {
  compgen -G "/usr/lib/llvm-*/lib/libclang.so*" >/dev/null ||
    compgen -G "/usr/lib/x86_64-linux-gnu/libclang-[0-9]*.so*" >/dev/null ||
    compgen -G "/usr/lib/x86_64-linux-gnu/libclang.so*" >/dev/null
}

ensure_libclang() {
  if has_libclang; then
    return 0
  fi
  echo "libclang is missing: installing Debian's libclang-dev (apt-get install -y libclang-dev)" >&2
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get install -y libclang-dev >/dev/null 2>&1 ||
    { $sudo apt-get update >/dev/null && $sudo apt-get install -y libclang-dev >/dev/null; }
  has_libclang || { echo "libclang still missing after installing libclang-dev" >&2; exit 1; }
}
