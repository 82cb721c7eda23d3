//! Funding: the premium of the book's impact prices over the oracle, the capped rate per
//! interval, and the per-lot index moves. Rates at 1e9 (`FUNDING_RATE_PRECISION`).
//!
//! F = P + clamp(I - P, -0.05%, +0.05%), then capped to +-cap (Binance's form; BitMEX's
//! F = P + clamp(I - P, -0.05%, +0.05%) is the same with its own interest and impact notional).
use crate::error::{PerpError, PerpResult};
use crate::math::fixed::{Rounding, FUNDING_RATE_PRECISION};
use crate::math::safe::{cast, SafeMath};

/// The clamp around the interest-minus-premium term: 0.05% at 1e9.
pub const INTEREST_CLAMP: i64 = 500_000;
/// Interest rates are quoted per 8 hours.
pub const INTEREST_PERIOD_SECS: i64 = 8 * 3600;
/// Shortest and longest funding interval; intervals must divide a day.
pub const MIN_FUNDING_INTERVAL_SECS: u32 = 60;
pub const MAX_FUNDING_INTERVAL_SECS: u32 = 8 * 3600;
/// Most resting orders an impact-price walk reads per side. A side whose orders within the fill
/// band do not reach the impact notional within this many orders counts as thin. (Here, below
/// the state, so `create_market`'s range checks read it without reaching up to the engine.)
pub const MAX_IMPACT_ORDERS: usize = 64;

/// Premium of impact prices over the oracle at 1e9:
/// [max(0, impact bid - oracle) - max(0, oracle - impact ask)] / oracle.
pub fn premium(impact_bid: u64, impact_ask: u64, oracle: u64) -> PerpResult<i64> {
    if oracle == 0 {
        return Err(PerpError::DivisionByZero);
    }
    let rich: i128 = i128::from(impact_bid.saturating_sub(oracle));
    let cheap: i128 = i128::from(oracle.saturating_sub(impact_ask));
    let numerator = rich.safe_sub(cheap)?.safe_mul(i128::from(FUNDING_RATE_PRECISION))?;
    // Truncates toward zero: a premium is a sample, no side is favoured.
    cast(numerator / i128::from(oracle))
}

/// Interest per interval from a rate per 8 hours.
pub fn interest_per_interval(interest_8h: i64, interval_secs: u32) -> PerpResult<i64> {
    interest_8h.safe_mul(i64::from(interval_secs))?.safe_div(INTEREST_PERIOD_SECS)
}

/// The funding rate for an interval from the time-weighted average premium, then capped.
pub fn funding_rate(average_premium: i64, interest: i64, cap: i64) -> PerpResult<i64> {
    let adjustment = interest.safe_sub(average_premium)?.clamp(-INTEREST_CLAMP, INTEREST_CLAMP);
    Ok(average_premium.safe_add(adjustment)?.clamp(-cap, cap))
}

/// Index moves per lot for a rate at a price: what one long lot pays (rounded up) and what one
/// short lot receives (rounded down), in token units. Their difference times the open interest
/// is the dust that goes to the insurance fund.
pub fn index_deltas(rate: i64, lot_size: u64, oracle_price: u64) -> PerpResult<(i64, i64)> {
    // rate (1e9) x lot (1e9 base) x price (1e6 per base) / 1e18 = token units per lot.
    let numerator = i128::from(rate).safe_mul(i128::from(lot_size))?.safe_mul(i128::from(oracle_price))?;
    let denominator: i128 = 1_000_000_000_000_000_000;
    let floor = numerator.div_euclid(denominator);
    let ceil = if numerator.rem_euclid(denominator) == 0 { floor } else { floor.safe_add(1)? };
    Ok((cast(ceil)?, cast(floor)?))
}

/// The least a lot may pay in one interval at the funding cap, token units. The long index rounds
/// up by less than one unit per lot and interval, so this bounds that rounding to 1% of the cap
/// (issue #19 item 11): a market whose lot is worth less at its price is refused.
pub const MIN_CAPPED_FUNDING_PER_LOT: u64 = 100;

/// What one lot pays in an interval at the funding cap `cap` (1e9) and price `oracle_price`
/// (1e6), token units, rounded down.
pub fn capped_funding_per_lot(cap: i64, lot_size: u64, oracle_price: u64) -> PerpResult<u64> {
    let numerator =
        u128::from(cap.unsigned_abs()).safe_mul(u128::from(lot_size))?.safe_mul(u128::from(oracle_price))?;
    cast(numerator / 1_000_000_000_000_000_000)
}

/// Funding a position owes since its last settlement: `base_lots` (signed) times the move of its
/// side's index. > 0 means the position pays.
pub fn funding_owed(base_lots: i64, long_index_move: i64, short_index_move: i64) -> PerpResult<i64> {
    let index_move = if base_lots >= 0 { long_index_move } else { short_index_move };
    base_lots.safe_mul(index_move)
}

/// The start of the interval containing `now` (boundaries where unix time % interval == 0).
/// Unsigned arithmetic (SBPF has no signed remainder); a time before 1970 is rejected.
pub fn interval_start(now: i64, interval_secs: u32) -> PerpResult<i64> {
    if interval_secs == 0 {
        return Err(PerpError::DivisionByZero);
    }
    let now_unsigned: u64 = cast(now)?;
    now.safe_sub(cast(now_unsigned % u64::from(interval_secs))?)
}

/// Average of a time-weighted premium sum, rounded toward zero; 0 when nothing was sampled.
pub fn average_premium(premium_time_sum: i64, sampled_secs: i64) -> PerpResult<i64> {
    if sampled_secs == 0 {
        return Ok(0);
    }
    premium_time_sum.safe_div(sampled_secs)
}

/// Annualized rate (1e9) of a rate per interval.
pub fn annualize(rate: i64, interval_secs: u32) -> PerpResult<i64> {
    let per_year: i64 = cast(365 * 86_400 / u64::from(interval_secs.max(1)))?;
    rate.safe_mul(per_year)
}

/// Rate at `leverage` (x100, e.g. 1000 = 10x) on the trader's own money.
pub fn rate_on_equity(rate: i64, leverage_x100: i64) -> PerpResult<i64> {
    crate::math::fixed::mul_div_i64(rate, leverage_x100, 100, Rounding::Down)
}

#[cfg(test)]
mod tests;
