//! `perp-client`: instruction builders, PDAs and account decoding for the perp exchange. Builders
//! are the one way tests, the keeper and the CLI build instructions, so tests exercise what users call.
pub mod accounts;
pub mod chain;
pub mod events;
pub mod instructions;
pub mod lookup;
pub mod money;
pub mod pda;
pub mod risk;
pub mod rpc;
pub mod solana_cli;
pub mod units;
pub mod views;

pub use perp;
