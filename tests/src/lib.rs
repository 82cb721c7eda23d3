//! Test harness on the in-process validator: the embedded localnet plus funded traders, error
//! matching and state snapshots. Tests drive the program only through `perp-client` builders.
pub mod deploy;
pub mod errors;
pub mod liquidation;
pub mod markets;
pub mod snapshot;
pub mod traders;

pub use deploy::*;
pub use errors::*;
pub use liquidation::*;
pub use markets::*;
pub use snapshot::*;
pub use traders::*;

/// The embedded localnet with the exchange of `migrations/localnet.toml` and no markets (tests
/// create their own). The money rules are checked after every transaction that lands
/// (`Localnet::check_money_rules_always`): a test gets the checker for free.
pub async fn localnet() -> perp_localnet::localnet::Localnet {
    localnet_with_insurance(perp_migrations::config::Config::localnet_default().exchange.insurance_fund).await
}

/// The embedded localnet with an insurance fund of `quote` (0: none) and no markets, the money
/// rules checked after every transaction.
pub async fn localnet_with_insurance(quote: u64) -> perp_localnet::localnet::Localnet {
    let mut config = perp_migrations::config::Config::localnet_default().without_markets();
    config.exchange.insurance_fund = quote;
    let mut net = perp_localnet::localnet::Localnet::start(&config).await.expect("localnet");
    net.check_money_rules_always();
    net.money_rules().await.expect("money rules after the bootstrap");
    net
}
