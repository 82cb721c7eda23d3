//! The bootstrap config (TOML): the exchange's parameters, what to seed it with, and its markets.
use perp::ExchangeParams;
use serde::Deserialize;

pub use crate::market_config::{BracketToml, MarketToml};

/// A whole bootstrap config file.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub exchange: ExchangeConfig,
    /// `[[markets]]`, created in this order.
    #[serde(default)]
    pub markets: Vec<MarketToml>,
}

/// `[exchange]`: parameter defaults (ppm) and the initial insurance fund (whole quote units).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ExchangeConfig {
    pub taker_fee_ppm: u32,
    pub maker_fee_ppm: u32,
    pub fee_insurance_share_ppm: u32,
    pub liquidation_penalty_ppm: u32,
    pub liquidation_insurance_share_ppm: u32,
    #[serde(default)]
    pub insurance_fund: u64,
}

impl ExchangeConfig {
    pub fn params(&self) -> ExchangeParams {
        ExchangeParams {
            taker_fee_ppm: self.taker_fee_ppm,
            maker_fee_ppm: self.maker_fee_ppm,
            fee_insurance_share_ppm: self.fee_insurance_share_ppm,
            liquidation_penalty_ppm: self.liquidation_penalty_ppm,
            liquidation_insurance_share_ppm: self.liquidation_insurance_share_ppm,
        }
    }

    /// The initial insurance fund in token units.
    pub fn insurance_fund_units(&self) -> anyhow::Result<u64> {
        self.insurance_fund
            .checked_mul(perp::math::QUOTE_PRECISION)
            .ok_or_else(|| anyhow::anyhow!("insurance_fund {} is too large", self.insurance_fund))
    }
}

impl Config {
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let config: Config = toml::from_str(text)?;
        config.exchange.params().validate().map_err(|e| anyhow::anyhow!("[exchange]: {e}"))?;
        for market in &config.markets {
            market.validate().map_err(|e| anyhow::anyhow!("[[markets]]: {e}"))?;
        }
        let mut symbols: Vec<&str> = config.markets.iter().map(|m| m.symbol.as_str()).collect();
        symbols.sort_unstable();
        if let Some(pair) = symbols.windows(2).find(|w| w[0] == w[1]) {
            anyhow::bail!("[[markets]]: symbol {} appears twice", pair[0]);
        }
        Ok(config)
    }

    pub fn load(path: &std::path::Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    }

    /// The same exchange with no markets (tests create their own).
    pub fn without_markets(mut self) -> Self {
        self.markets.clear();
        self
    }

    /// The config the localnet uses when none is given: `migrations/localnet.toml`.
    pub fn localnet_default() -> Self {
        Self::parse(include_str!("../localnet.toml")).expect("migrations/localnet.toml is valid")
    }
}

#[cfg(test)]
mod tests;
