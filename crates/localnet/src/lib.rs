//! `perp-localnet`: the local runtimes the keeper and the tests run the program on. The
//! in-process bank (`localnet`), Agave's real TestValidator over JSON-RPC (`validator`, feature
//! `validator`), the program's native registration with its SBF switch (`native`), program
//! events under the native runtimes (`event_logs`) and the heap meter (`heap`). Deploy and
//! bootstrap code stays in `perp-migrations`.
pub mod event_logs;
pub mod heap;
pub mod localnet;
pub mod native;
#[cfg(feature = "validator")]
pub mod validator;

/// Counts what each native program instruction allocates (`heap::measure`).
#[global_allocator]
static ALLOCATOR: heap::CountingAllocator = heap::CountingAllocator;
