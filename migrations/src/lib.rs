//! `perp-migrations`: the exchange's deploy/bootstrap. One config format and one bootstrap, used by
//! the embedded localnet (tests and `perp-keeper localnet`) and by a real deployment; and the one
//! place that registers the program as a native builtin.
pub mod bootstrap;
pub mod config;
pub mod event_logs;
pub mod heap;
pub mod localnet;
pub mod market_config;
pub mod native;
pub mod tokens;
#[cfg(feature = "validator")]
pub mod validator;

/// Counts what each native program instruction allocates (`heap::measure`).
#[global_allocator]
static ALLOCATOR: heap::CountingAllocator = heap::CountingAllocator;
