//! In-memory market accounts for the engine's unit tests, the integration tests' defaults and the
//! matching benchmark: the same initialization as `create_market`, on a `Vec<u8>`. Compiled for
//! tests and with the `test-support` feature only.
use anchor_lang::prelude::Pubkey;

use crate::engine::orders::{place_order, OrderParams, OrderSide, OrderType, PlaceOutcome};
use crate::error::{PerpError, PerpResult};
use crate::math::margin::BracketParams;
use crate::math::SafeMath;
use crate::state::market::{market_account_size, MarketView, OracleKind};
use crate::state::{initialize_market, MarketConfig, MarketLayout};

/// Cases for a property test: `PROPTEST_CASES` when set (long local runs), else `default` (the
/// per-CI-run share of the 10,000 money-rule cases the README counts).
pub fn proptest_cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Cases per CI run of the engine's money-rule properties (on in-memory markets): 12,288 in all
/// (the ledger's count runs twice: the collateral ledger and the socialized losses).
pub const MONEY_CASES_MATCHING: u32 = 4_096;
pub const MONEY_CASES_WATERFALL: u32 = 3_072;
pub const MONEY_CASES_LEDGER: u32 = 2_048;
pub const MONEY_CASES_FUNDING: u32 = 1_024;

pub const QUOTE: u64 = 1_000_000;
pub const PRICE: u64 = 1_000_000;

/// Tick 1 quote, lot 0.001 base, 10x (10% / 5%), fees 5 / 2 bps, fill band 5%, funding hourly
/// with a 0.75% cap, 0.01% interest per 8 h and a 50-quote impact notional (64 minimum-size
/// orders reach it).
pub fn config() -> MarketConfig {
    MarketConfig {
        oracle_kind: OracleKind::Push,
        oracle: Pubkey::new_unique(),
        oracle_max_age_secs: 60,
        oracle_max_conf_ppm: 10_000,
        brackets: vec![BracketParams { max_notional: u64::MAX, initial_ppm: 100_000, maintenance_ppm: 50_000 }],
        min_order_notional: QUOTE,
        max_open_interest_lots: 1_000_000_000,
        seat_deposit: QUOTE,
        price_band_ppm: 100_000,
        fill_band_ppm: 49_500,
        taker_fee_ppm: 500,
        maker_fee_ppm: 200,
        fee_insurance_share_ppm: 0,
        liquidation_penalty_ppm: 10_000,
        liquidation_insurance_share_ppm: 500_000,
        liquidation_buffer_ppm: 5_000,
        insurance_cap_per_event: 0,
        funding_interval_secs: 3_600,
        funding_cap: 7_500_000,
        funding_interest_8h: 100_000,
        funding_impact_notional: 50 * QUOTE,
    }
}

/// [`config`] without trading fees (figures are the margin arithmetic alone).
pub fn no_fee_config() -> MarketConfig {
    MarketConfig { taker_fee_ppm: 0, maker_fee_ppm: 0, ..config() }
}

/// The seed's Reg-T market: 50% initial, 25% maintenance (2x), no trading fees (so figures are
/// the margin arithmetic alone), a 1% liquidation penalty of which half goes to the insurance
/// fund, and a 0.5% liquidation buffer; otherwise [`config`].
pub fn reg_t_config() -> MarketConfig {
    MarketConfig {
        brackets: vec![BracketParams { max_notional: u64::MAX, initial_ppm: 500_000, maintenance_ppm: 250_000 }],
        liquidation_penalty_ppm: 10_000,
        liquidation_insurance_share_ppm: 500_000,
        liquidation_buffer_ppm: 5_000,
        ..no_fee_config()
    }
}

pub fn layout(order_capacity: u32, seat_capacity: u32) -> MarketLayout {
    let mut symbol = [0u8; 16];
    symbol[..8].copy_from_slice(b"BTC-PERP");
    MarketLayout { symbol, tick_size: PRICE, lot_size: 1_000_000, order_capacity, seat_capacity }
}

/// A market account's bytes, initialized at `now` with the oracle price cached.
pub fn market(config: &MarketConfig, layout: &MarketLayout, now: i64, oracle_quote: u64) -> PerpResult<Vec<u8>> {
    let size = market_account_size(layout.order_capacity, layout.seat_capacity).ok_or(PerpError::InvalidCapacity)?;
    let mut data = vec![0u8; size];
    let view = initialize_market(&mut data, layout, config, now)?;
    view.header.oracle_price = oracle_quote.safe_mul(PRICE)?;
    Ok(data)
}

pub fn view(data: &mut [u8]) -> PerpResult<MarketView<'_>> {
    MarketView::from_account_data(data)
}

/// Claims a seat for a new trader key; returns its index.
pub fn seat(data: &mut [u8]) -> PerpResult<u32> {
    view(data)?.claim_seat(Pubkey::new_unique(), QUOTE)
}

/// An order of `lots` at `price_quote` with client order id `client_order_id`.
pub fn order_with_id(
    data: &mut [u8],
    seat: u32,
    side: OrderSide,
    order_type: OrderType,
    price_quote: u64,
    lots: u64,
    client_order_id: u64,
) -> PerpResult<PlaceOutcome> {
    let params = OrderParams {
        side,
        order_type,
        price: price_quote.safe_mul(PRICE)?,
        base_lots: lots,
        reduce_only: false,
        client_order_id,
    };
    place(data, seat, &params)
}

/// Places `params` for `seat` (the engine's `place_order` on the account's bytes).
pub fn place(data: &mut [u8], seat: u32, params: &OrderParams) -> PerpResult<PlaceOutcome> {
    place_order(&mut view(data)?, seat, params)
}

/// An order of `lots` at `price_quote` (client order id 7).
pub fn order(
    data: &mut [u8],
    seat: u32,
    side: OrderSide,
    order_type: OrderType,
    price_quote: u64,
    lots: u64,
) -> PerpResult<PlaceOutcome> {
    order_with_id(data, seat, side, order_type, price_quote, lots, 7)
}
