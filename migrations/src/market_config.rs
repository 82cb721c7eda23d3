//! `[[markets]]` in the bootstrap config: a perp market on a keeper-pushed oracle. Amounts named
//! `_quote` are whole quote units; ratios are ppm; funding rates are at 1e9 (1e9 = 100%).
use perp::math::margin::BracketParams;
use perp::math::{BASE_PRECISION, PRICE_PRECISION, QUOTE_PRECISION};
use perp::state::OracleKind;
use perp::{MarketConfig, MarketLayout};
use serde::Deserialize;
use solana_sdk::pubkey::Pubkey;

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct MarketToml {
    /// Market symbol (at most 16 bytes), also the push oracle's seed.
    pub symbol: String,
    /// The oracle's first price, whole quote units per whole base unit.
    pub initial_price_quote: u64,
    /// Price step in quote units (may be fractional: 0.5 = "0.5").
    pub tick_size: String,
    /// Size step in base units ("0.001").
    pub lot_size: String,
    pub order_capacity: u32,
    pub seat_capacity: u32,
    /// Margin bands, Binance form; the last band's `max_notional_quote` may be omitted (unbounded).
    pub brackets: Vec<BracketToml>,
    pub oracle_max_age_secs: u32,
    pub oracle_max_conf_ppm: u32,
    /// Most one push of the market's oracle may move its price, ppm per second since the last.
    pub oracle_max_move_ppm: u32,
    pub min_order_notional_quote: u64,
    pub max_open_interest_lots: u64,
    pub seat_deposit_quote: u64,
    pub price_band_ppm: u32,
    pub fill_band_ppm: u32,
    pub taker_fee_ppm: u32,
    pub maker_fee_ppm: u32,
    pub fee_insurance_share_ppm: u32,
    pub liquidation_penalty_ppm: u32,
    pub liquidation_insurance_share_ppm: u32,
    /// Liquidation restores maintenance plus this ratio of the remaining notional.
    pub liquidation_buffer_ppm: u32,
    /// Most the insurance fund pays into one bankrupt account, whole quote units (0 or absent:
    /// no cap).
    #[serde(default)]
    pub insurance_cap_per_event_quote: u64,
    pub funding_interval_secs: u32,
    pub funding_cap: i64,
    pub funding_interest_8h: i64,
    pub funding_impact_notional_quote: u64,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct BracketToml {
    pub max_notional_quote: Option<u64>,
    pub initial_ppm: u32,
    pub maintenance_ppm: u32,
}

/// A decimal string ("0.001", "12.5") at `precision` (a power of ten); exact or rejected.
pub fn parse_decimal(text: &str, precision: u64) -> anyhow::Result<u64> {
    let bad = || anyhow::anyhow!("{text:?} is not a decimal with at most {} places", precision.ilog10());
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    let places = precision.ilog10() as usize;
    if whole.is_empty() && frac.is_empty() || frac.len() > places || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let whole: u64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| bad())? };
    let frac_value: u64 = if frac.is_empty() { 0 } else { format!("{frac:0<places$}").parse().map_err(|_| bad())? };
    whole.checked_mul(precision).and_then(|w| w.checked_add(frac_value)).ok_or_else(bad)
}

fn quote_units(amount: u64, field: &str) -> anyhow::Result<u64> {
    amount.checked_mul(QUOTE_PRECISION).ok_or_else(|| anyhow::anyhow!("{field} = {amount} is too large"))
}

impl MarketToml {
    pub fn symbol_bytes(&self) -> anyhow::Result<[u8; 16]> {
        let bytes = self.symbol.as_bytes();
        anyhow::ensure!(!bytes.is_empty() && bytes.len() <= 16, "symbol {:?} must be 1 to 16 bytes", self.symbol);
        let mut out = [0u8; 16];
        out[..bytes.len()].copy_from_slice(bytes);
        Ok(out)
    }

    pub fn layout(&self) -> anyhow::Result<MarketLayout> {
        let layout = MarketLayout {
            symbol: self.symbol_bytes()?,
            tick_size: parse_decimal(&self.tick_size, PRICE_PRECISION)?,
            lot_size: parse_decimal(&self.lot_size, BASE_PRECISION)?,
            order_capacity: self.order_capacity,
            seat_capacity: self.seat_capacity,
        };
        layout.validate().map_err(|e| anyhow::anyhow!("{}: {e}", self.symbol))?;
        Ok(layout)
    }

    /// The program's market config on `oracle` (range-checked as `create_market` would).
    pub fn config(&self, oracle: Pubkey) -> anyhow::Result<MarketConfig> {
        let brackets = self
            .brackets
            .iter()
            .map(|b| {
                Ok(BracketParams {
                    max_notional: match b.max_notional_quote {
                        Some(q) => quote_units(q, "max_notional_quote")?,
                        None => u64::MAX,
                    },
                    initial_ppm: b.initial_ppm,
                    maintenance_ppm: b.maintenance_ppm,
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let config = MarketConfig {
            oracle_kind: OracleKind::Push,
            oracle,
            oracle_max_age_secs: self.oracle_max_age_secs,
            oracle_max_conf_ppm: self.oracle_max_conf_ppm,
            brackets,
            min_order_notional: quote_units(self.min_order_notional_quote, "min_order_notional_quote")?,
            max_open_interest_lots: self.max_open_interest_lots,
            seat_deposit: quote_units(self.seat_deposit_quote, "seat_deposit_quote")?,
            price_band_ppm: self.price_band_ppm,
            fill_band_ppm: self.fill_band_ppm,
            taker_fee_ppm: self.taker_fee_ppm,
            maker_fee_ppm: self.maker_fee_ppm,
            fee_insurance_share_ppm: self.fee_insurance_share_ppm,
            liquidation_penalty_ppm: self.liquidation_penalty_ppm,
            liquidation_insurance_share_ppm: self.liquidation_insurance_share_ppm,
            liquidation_buffer_ppm: self.liquidation_buffer_ppm,
            insurance_cap_per_event: quote_units(self.insurance_cap_per_event_quote, "insurance_cap_per_event_quote")?,
            funding_interval_secs: self.funding_interval_secs,
            funding_cap: self.funding_cap,
            funding_interest_8h: self.funding_interest_8h,
            funding_impact_notional: quote_units(self.funding_impact_notional_quote, "funding_impact_notional_quote")?,
        };
        config.validate().map_err(|e| anyhow::anyhow!("{}: {e}", self.symbol))?;
        Ok(config)
    }

    /// The first oracle price at 1e6.
    pub fn initial_price(&self) -> anyhow::Result<u64> {
        self.initial_price_quote
            .checked_mul(PRICE_PRECISION)
            .filter(|p| *p > 0 && *p <= i64::MAX as u64)
            .ok_or_else(|| anyhow::anyhow!("{}: initial_price_quote must be positive and fit", self.symbol))
    }

    /// Every check the bootstrap would hit, before anything is sent.
    pub fn validate(&self) -> anyhow::Result<()> {
        self.layout()?;
        self.config(Pubkey::default())?;
        self.initial_price()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
