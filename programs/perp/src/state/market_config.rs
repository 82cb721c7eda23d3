//! A market's parameters as the admin gives them, their range checks, and writing them into the
//! market header.
use anchor_lang::prelude::*;

use crate::error::{PerpError, PerpResult};
use crate::math::funding::{interval_start, MAX_IMPACT_ORDERS};
use crate::math::funding::{MAX_FUNDING_INTERVAL_SECS, MIN_FUNDING_INTERVAL_SECS};
use crate::math::margin::{BracketParams, MarginBrackets};
use crate::math::position::lot_notional;
use crate::math::PPM;
use crate::state::book::MAX_ORDERS_PER_SIDE;
use crate::state::book::NIL;
use crate::state::market::{
    market_account_size, MarketHeader, MarketStatus, MarketView, OracleKind, MARKET_LAYOUT_VERSION, MAX_SEATS,
};
use crate::state::params::MAX_FEE_PPM;

/// Sane ranges (issue #19 item 12): no single admin transaction can switch a guard off.
/// The oldest oracle price a market may accept, seconds.
pub const MAX_ORACLE_MAX_AGE_SECS: u32 = 3_600;
/// The widest oracle confidence a market may accept, ppm of the price (5%).
pub const MAX_ORACLE_CONF_PPM: u32 = 50_000;
/// The widest price band, ppm (50%).
pub const MAX_PRICE_BAND_PPM: u32 = 500_000;
/// The highest funding cap per interval, 1e9 (2%).
pub const MAX_FUNDING_CAP: i64 = 20_000_000;
/// The highest |interest| per 8 hours, 1e9 (0.1%).
pub const MAX_FUNDING_INTEREST_8H: u64 = 1_000_000;

/// The parameters `create_market` sets and `update_market` may change.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq, InitSpace)]
pub struct MarketConfig {
    pub oracle_kind: OracleKind,
    /// Push: the `PushOracle` account. Pyth: the feed id.
    pub oracle: Pubkey,
    pub oracle_max_age_secs: u32,
    pub oracle_max_conf_ppm: u32,
    /// Margin bands, Binance form (1 to 8 = `MAX_BRACKETS`).
    #[max_len(8)]
    pub brackets: Vec<BracketParams>,
    pub min_order_notional: u64,
    pub max_open_interest_lots: u64,
    pub seat_deposit: u64,
    /// Limit prices within this ratio of the oracle at placement.
    pub price_band_ppm: u32,
    /// Resting orders fill only within this ratio of the oracle (at most the lowest bracket's
    /// initial minus maintenance ratio, so one fill never takes a maker below maintenance).
    pub fill_band_ppm: u32,
    pub taker_fee_ppm: u32,
    pub maker_fee_ppm: u32,
    pub fee_insurance_share_ppm: u32,
    pub liquidation_penalty_ppm: u32,
    pub liquidation_insurance_share_ppm: u32,
    /// Liquidation restores maintenance plus this ratio of the remaining notional (at most the
    /// smallest initial-minus-maintenance gap of the brackets).
    pub liquidation_buffer_ppm: u32,
    /// Most the insurance fund pays into one bankrupt account, token units (0: no cap).
    pub insurance_cap_per_event: u64,
    /// Funding interval, seconds (60 to 28,800, dividing a day).
    pub funding_interval_secs: u32,
    /// Cap on |funding rate| per interval, 1e9.
    pub funding_cap: i64,
    /// Interest per 8 hours, 1e9 (scaled to the interval).
    pub funding_interest_8h: i64,
    /// Impact notional for the premium, token units.
    pub funding_impact_notional: u64,
}

/// What only `create_market` sets.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarketLayout {
    pub symbol: [u8; 16],
    /// Price step, quote per base at 1e6.
    pub tick_size: u64,
    /// Size step, base at 1e9.
    pub lot_size: u64,
    pub order_capacity: u32,
    pub seat_capacity: u32,
}

impl MarketLayout {
    pub fn validate(&self) -> PerpResult<()> {
        if self.symbol[0] == 0 {
            return Err(PerpError::InvalidSymbol);
        }
        if self.tick_size == 0 || self.lot_size == 0 {
            return Err(PerpError::InvalidTickOrLot);
        }
        // One lot at one tick is a whole number of token units, so every fill is exact.
        if lot_notional(self.lot_size, self.tick_size)? == 0 {
            return Err(PerpError::InvalidTickOrLot);
        }
        if self.order_capacity == 0
            || self.order_capacity > MAX_ORDERS_PER_SIDE
            || self.seat_capacity == 0
            || self.seat_capacity > MAX_SEATS
        {
            return Err(PerpError::InvalidCapacity);
        }
        Ok(())
    }
}

impl MarketConfig {
    /// Range checks; returns the derived bracket table. The first violated rule is the error.
    pub fn validate(&self) -> PerpResult<MarginBrackets> {
        let brackets = MarginBrackets::new(&self.brackets)?;
        let ppm = PPM as u32;
        if self.taker_fee_ppm > MAX_FEE_PPM || self.maker_fee_ppm > MAX_FEE_PPM {
            return Err(PerpError::FeeTooHigh);
        }
        if self.maker_fee_ppm > self.taker_fee_ppm {
            return Err(PerpError::MakerFeeAboveTaker);
        }
        // One fill at the edge of the fill band, its taker fee paid, must never take a maker from
        // initial margin to below maintenance in any band, nor a reducing trade from maintenance
        // to below zero: band + taker fee fits both.
        let band_and_fee = self.fill_band_ppm.saturating_add(self.taker_fee_ppm);
        crate::validate!(
            self.fill_band_ppm != 0
                && band_and_fee <= brackets.smallest_margin_gap_ppm()
                && band_and_fee <= brackets.lowest_maintenance_ppm(),
            PerpError::InvalidFillBand,
            "fill band {} + taker fee {} ppm against the smallest margin gap {} and the lowest maintenance {}",
            self.fill_band_ppm,
            self.taker_fee_ppm,
            brackets.smallest_margin_gap_ppm(),
            brackets.lowest_maintenance_ppm()
        );
        crate::validate!(
            self.price_band_ppm != 0 && self.price_band_ppm <= MAX_PRICE_BAND_PPM,
            PerpError::InvalidPriceBand,
            "price band {} ppm (at most {})",
            self.price_band_ppm,
            MAX_PRICE_BAND_PPM
        );
        if self.fee_insurance_share_ppm > ppm || self.liquidation_insurance_share_ppm > ppm {
            return Err(PerpError::ShareTooHigh);
        }
        crate::validate!(
            self.liquidation_penalty_ppm != 0 && self.liquidation_penalty_ppm < brackets.lowest_maintenance_ppm(),
            PerpError::PenaltyNotBelowMaintenance,
            "liquidation penalty {} ppm against the lowest maintenance {}",
            self.liquidation_penalty_ppm,
            brackets.lowest_maintenance_ppm()
        );
        crate::validate!(
            self.liquidation_buffer_ppm <= brackets.smallest_margin_gap_ppm(),
            PerpError::InvalidLiquidationBuffer,
            "liquidation buffer {} ppm over the smallest margin gap {}",
            self.liquidation_buffer_ppm,
            brackets.smallest_margin_gap_ppm()
        );
        let interval = self.funding_interval_secs;
        if !(MIN_FUNDING_INTERVAL_SECS..=MAX_FUNDING_INTERVAL_SECS).contains(&interval)
            || 86_400 % interval != 0
            || self.funding_cap <= 0
            || self.funding_cap > MAX_FUNDING_CAP
            || self.funding_interest_8h.unsigned_abs() > MAX_FUNDING_INTEREST_8H
            || self.funding_impact_notional == 0
        {
            return Err(PerpError::InvalidFundingParams);
        }
        // A seat costs at least a minimum order in refundable deposit, so filling the seat table
        // (and locking new traders out) costs capacity x minimum order, not a few units each.
        crate::validate!(
            self.min_order_notional != 0
                && self.max_open_interest_lots != 0
                && self.seat_deposit != 0
                && self.seat_deposit >= self.min_order_notional,
            PerpError::InvalidMarketLimits,
            "minimum order {}, open-interest cap {} lots, seat deposit {}",
            self.min_order_notional,
            self.max_open_interest_lots,
            self.seat_deposit
        );
        // The impact walk reads at most MAX_IMPACT_ORDERS orders: that many minimum-size orders
        // must reach the impact notional, or dust orders could make a side read as thin.
        let walk_reach = self.min_order_notional.saturating_mul(MAX_IMPACT_ORDERS as u64);
        if walk_reach < self.funding_impact_notional {
            return Err(PerpError::InvalidFundingParams);
        }
        crate::validate!(
            self.oracle_max_age_secs != 0
                && self.oracle_max_age_secs <= MAX_ORACLE_MAX_AGE_SECS
                && self.oracle_max_conf_ppm <= MAX_ORACLE_CONF_PPM,
            PerpError::InvalidOracleConfig,
            "oracle max age {} s (at most {}), confidence bound {} ppm (at most {})",
            self.oracle_max_age_secs,
            MAX_ORACLE_MAX_AGE_SECS,
            self.oracle_max_conf_ppm,
            MAX_ORACLE_CONF_PPM
        );
        Ok(brackets)
    }

    /// Validates and writes the parameters into the header.
    pub fn apply(&self, header: &mut MarketHeader) -> PerpResult<()> {
        header.brackets = self.validate()?;
        header.oracle_kind = self.oracle_kind as u8;
        header.oracle = self.oracle;
        header.oracle_max_age_secs = self.oracle_max_age_secs;
        header.oracle_max_conf_ppm = self.oracle_max_conf_ppm;
        header.min_order_notional = self.min_order_notional;
        header.max_open_interest_lots = self.max_open_interest_lots;
        header.seat_deposit = self.seat_deposit;
        header.price_band_ppm = self.price_band_ppm;
        header.fill_band_ppm = self.fill_band_ppm;
        header.taker_fee_ppm = self.taker_fee_ppm;
        header.maker_fee_ppm = self.maker_fee_ppm;
        header.fee_insurance_share_ppm = self.fee_insurance_share_ppm;
        header.liquidation_penalty_ppm = self.liquidation_penalty_ppm;
        header.liquidation_insurance_share_ppm = self.liquidation_insurance_share_ppm;
        header.liquidation_buffer_ppm = self.liquidation_buffer_ppm;
        header.insurance_cap_per_event = self.insurance_cap_per_event;
        header.funding_interval_secs = self.funding_interval_secs;
        header.funding_cap = self.funding_cap;
        header.funding_interest_8h = self.funding_interest_8h;
        header.funding_impact_notional = self.funding_impact_notional;
        Ok(())
    }
}

/// Initializes a new market in `data` (the account's data, discriminator included, zeroed and
/// sized with `market_account_size`): layout, parameters, empty books, and the funding clock
/// started at `now` (the interval containing `now`, first sample from `now`).
pub fn initialize_market<'a>(
    data: &'a mut [u8],
    layout: &MarketLayout,
    config: &MarketConfig,
    now: i64,
) -> PerpResult<MarketView<'a>> {
    layout.validate()?;
    let expected =
        market_account_size(layout.order_capacity, layout.seat_capacity).ok_or(PerpError::InvalidCapacity)?;
    if data.len() != expected {
        return Err(PerpError::WrongMarketAccountSize);
    }
    let body = data.get_mut(8..).ok_or(PerpError::WrongMarketAccountSize)?;
    let (header_bytes, rest) = body.split_at_mut(core::mem::size_of::<MarketHeader>());
    let header: &mut MarketHeader =
        bytemuck::try_from_bytes_mut(header_bytes).map_err(|_| PerpError::WrongMarketAccountSize)?;
    config.apply(header)?;
    header.symbol = layout.symbol;
    header.tick_size = layout.tick_size;
    header.lot_size = layout.lot_size;
    header.order_capacity = layout.order_capacity;
    header.seat_capacity = layout.seat_capacity;
    header.status = MarketStatus::Active as u8;
    header.layout_version = MARKET_LAYOUT_VERSION;
    header.next_order_seq = 1;
    header.free_seat_head = NIL;
    header.bids.init();
    header.asks.init();
    header.funding_interval_start = interval_start(now, header.funding_interval_secs)?;
    header.funding_last_sample_time = now;
    MarketView::split(header, rest)
}

#[cfg(test)]
mod tests;
