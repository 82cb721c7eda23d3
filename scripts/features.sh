# Shared by scripts/test.sh and .ci/run: one feature set, so the dependency tree builds once.
VALIDATOR_FEATURES="perp-tests/validator,perp-keeper/validator"

# Agave's validator tree builds rocksdb's bindings with bindgen, which needs libclang.
ensure_libclang() {
  if ls /usr/lib/llvm-*/lib/libclang.so* >/dev/null 2>&1 || ls /usr/lib/x86_64-linux-gnu/libclang*.so* >/dev/null 2>&1; then
    return 0
  fi
  echo "libclang-dev is missing: installing it (apt-get install -y libclang-dev)" >&2
  if [ "$(id -u)" = 0 ]; then
    apt-get install -y libclang-dev >/dev/null || { apt-get update >/dev/null && apt-get install -y libclang-dev >/dev/null; }
  else
    sudo apt-get install -y libclang-dev >/dev/null || { echo "run: sudo apt-get install -y libclang-dev" >&2; exit 1; }
  fi
}
