//! Account types and their methods.
pub mod adl;
pub mod book;
pub mod exchange;
pub mod market;
pub mod market_config;
pub mod market_update;
pub mod oracle;
pub mod params;
pub mod trader;

pub use exchange::*;
pub use market::*;
pub use market_config::*;
pub use market_update::*;
pub use oracle::*;
pub use params::*;
pub use trader::*;

/// PDA seeds.
pub const EXCHANGE_SEED: &[u8] = b"exchange";
pub const VAULT_SEED: &[u8] = b"vault";
pub const INSURANCE_VAULT_SEED: &[u8] = b"insurance_vault";
pub const TRADER_SEED: &[u8] = b"trader";
pub const PUSH_ORACLE_SEED: &[u8] = b"push_oracle";
pub const MARKET_UPDATE_SEED: &[u8] = b"market_update";
