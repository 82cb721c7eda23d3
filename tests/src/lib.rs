//! Test harness on the in-process validator: the embedded localnet plus funded traders, error
//! matching and state snapshots. Tests drive the program only through `perp-client` builders.
pub mod errors;
pub mod markets;
pub mod snapshot;
pub mod traders;

pub use errors::*;
pub use markets::*;
pub use snapshot::*;
pub use traders::*;
