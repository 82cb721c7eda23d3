//! Funding: the premium of the book's impact prices over the oracle, the capped rate per
//! interval, and the per-lot index moves. Rates at 1e9 (`FUNDING_RATE_PRECISION`).
//!
//! F = P + clamp(I - P, -0.05%, +0.05%), then capped to +-cap (Binance's form; BitMEX's
//! F = P + clamp(I - P, -0.05%, +0.05%) is the same with its own interest and impact notional).
use crate::error::PerpError;
use crate::math::fixed::{Rounding, FUNDING_RATE_PRECISION};
use crate::math::safe::{cast, SafeMath};

/// The clamp around the interest-minus-premium term: 0.05% at 1e9.
pub const INTEREST_CLAMP: i64 = 500_000;
/// Interest rates are quoted per 8 hours.
pub const INTEREST_PERIOD_SECS: i64 = 8 * 3600;
/// Shortest and longest funding interval; intervals must divide a day.
pub const MIN_FUNDING_INTERVAL_SECS: u32 = 60;
pub const MAX_FUNDING_INTERVAL_SECS: u32 = 8 * 3600;

/// Premium of impact prices over the oracle at 1e9:
/// [max(0, impact bid - oracle) - max(0, oracle - impact ask)] / oracle.
pub fn premium(impact_bid: u64, impact_ask: u64, oracle: u64) -> Result<i64, PerpError> {
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
pub fn interest_per_interval(interest_8h: i64, interval_secs: u32) -> Result<i64, PerpError> {
    interest_8h.safe_mul(i64::from(interval_secs))?.safe_div(INTEREST_PERIOD_SECS)
}

/// The funding rate for an interval from the time-weighted average premium, then capped.
pub fn funding_rate(average_premium: i64, interest: i64, cap: i64) -> Result<i64, PerpError> {
    let adjustment = interest.safe_sub(average_premium)?.clamp(-INTEREST_CLAMP, INTEREST_CLAMP);
    Ok(average_premium.safe_add(adjustment)?.clamp(-cap, cap))
}

/// Index moves per lot for a rate at a price: what one long lot pays (rounded up) and what one
/// short lot receives (rounded down), in token units. Their difference times the open interest
/// is the dust that goes to the insurance fund.
pub fn index_deltas(rate: i64, lot_size: u64, oracle_price: u64) -> Result<(i64, i64), PerpError> {
    // rate (1e9) x lot (1e9 base) x price (1e6 per base) / 1e18 = token units per lot.
    let numerator = i128::from(rate).safe_mul(i128::from(lot_size))?.safe_mul(i128::from(oracle_price))?;
    let denominator: i128 = 1_000_000_000_000_000_000;
    let floor = numerator.div_euclid(denominator);
    let ceil = if numerator.rem_euclid(denominator) == 0 { floor } else { floor.safe_add(1)? };
    Ok((cast(ceil)?, cast(floor)?))
}

/// Funding a position owes since its last settlement: `base_lots` (signed) times the move of its
/// side's index. > 0 means the position pays.
pub fn funding_owed(base_lots: i64, long_index_move: i64, short_index_move: i64) -> Result<i64, PerpError> {
    let index_move = if base_lots >= 0 { long_index_move } else { short_index_move };
    base_lots.safe_mul(index_move)
}

/// The start of the interval containing `now` (boundaries where unix time % interval == 0).
/// Unsigned arithmetic (SBPF has no signed remainder); a time before 1970 is rejected.
pub fn interval_start(now: i64, interval_secs: u32) -> Result<i64, PerpError> {
    if interval_secs == 0 {
        return Err(PerpError::DivisionByZero);
    }
    let now_unsigned: u64 = cast(now)?;
    now.safe_sub(cast(now_unsigned % u64::from(interval_secs))?)
}

/// Average of a time-weighted premium sum, rounded toward zero; 0 when nothing was sampled.
pub fn average_premium(premium_time_sum: i64, sampled_secs: i64) -> Result<i64, PerpError> {
    if sampled_secs == 0 {
        return Ok(0);
    }
    premium_time_sum.safe_div(sampled_secs)
}

/// Annualized rate (1e9) of a rate per interval.
pub fn annualize(rate: i64, interval_secs: u32) -> Result<i64, PerpError> {
    let per_year: i64 = cast(365 * 86_400 / u64::from(interval_secs.max(1)))?;
    rate.safe_mul(per_year)
}

/// Rate at `leverage` (x100, e.g. 1000 = 10x) on the trader's own money.
pub fn rate_on_equity(rate: i64, leverage_x100: i64) -> Result<i64, PerpError> {
    crate::math::fixed::mul_div_i64(rate, leverage_x100, 100, Rounding::Down)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BPS: i64 = 100_000; // 0.01% at 1e9

    #[test]
    fn binance_form_with_the_interest_clamp_at_its_edges() {
        let interest = BPS; // 0.01% per 8h
        let cap = 7_500_000; // 0.75%
                             // Premium 0: F = I (the seed's scenario: 0.0001).
        assert_eq!(funding_rate(0, interest, cap), Ok(BPS));
        // Premium within 0.05% of I: F = I exactly.
        assert_eq!(funding_rate(6 * BPS, interest, cap), Ok(BPS));
        assert_eq!(funding_rate(-4 * BPS, interest, cap), Ok(BPS));
        // At the clamp edge and one step past it.
        assert_eq!(funding_rate(-4 * BPS - 1, interest, cap), Ok(BPS - 1));
        assert_eq!(funding_rate(6 * BPS + 1, interest, cap), Ok(BPS + 1));
        // Binance's example shape: P = 0.1%, I = 0.01% -> 0.1% - 0.05% = 0.05%.
        assert_eq!(funding_rate(10 * BPS, interest, cap), Ok(5 * BPS));
        // Capped at +-0.75%, exactly at and past the cap.
        assert_eq!(funding_rate(80 * BPS, interest, cap), Ok(cap));
        assert_eq!(funding_rate(-80 * BPS, interest, cap), Ok(-cap));
        assert_eq!(funding_rate(75 * BPS + 5 * BPS, interest, 80 * BPS - 5 * BPS), Ok(75 * BPS));
    }

    #[test]
    fn bitmex_example_premium_index() {
        // BitMEX: impact bid 10,010, impact ask 10,020, index 10,000 -> premium
        // (max(0, 10,010 - 10,000) - max(0, 10,000 - 10,020)) / 10,000 = 0.1%.
        assert_eq!(premium(10_010_000_000, 10_020_000_000, 10_000_000_000), Ok(1_000_000));
        // Cheap book: bid 9,980, ask 9,990 -> -(10,000 - 9,990) / 10,000 = -0.1%.
        assert_eq!(premium(9_980_000_000, 9_990_000_000, 10_000_000_000), Ok(-1_000_000));
        // Oracle inside the spread: 0.
        assert_eq!(premium(9_990_000_000, 10_010_000_000, 10_000_000_000), Ok(0));
        assert_eq!(premium(1, 1, 0), Err(PerpError::DivisionByZero));
    }

    #[test]
    fn interest_scales_with_the_interval() {
        assert_eq!(interest_per_interval(BPS, 8 * 3600), Ok(BPS));
        assert_eq!(interest_per_interval(BPS, 3600), Ok(12_500));
        assert_eq!(interest_per_interval(BPS, 60), Ok(208)); // 208.33 truncated
    }

    #[test]
    fn index_moves_round_against_each_side() {
        // 0.01% at 90,000 on 0.001 BTC lots: 9 quote per BTC = 0.009 per lot = 9,000 units.
        assert_eq!(index_deltas(BPS, 1_000_000, 90_000_000_000), Ok((9_000, 9_000)));
        // A rate that does not divide: longs pay the ceiling, shorts get the floor.
        assert_eq!(index_deltas(1, 1_000_000, 90_000_000_000), Ok((1, 0)));
        // Negative rate: longs receive less (ceiling toward zero), shorts pay more (floor).
        assert_eq!(index_deltas(-1, 1_000_000, 90_000_000_000), Ok((0, -1)));
        // The seed's scenario: 100 lots long pay 0.9; short receives 0.9.
        assert_eq!(funding_owed(100, 9_000, 9_000), Ok(900_000));
        assert_eq!(funding_owed(-100, 9_000, 9_000), Ok(-900_000));
    }

    #[test]
    fn intervals_are_utc_aligned() {
        assert_eq!(interval_start(1_760_140_800 + 5, 28_800), Ok(1_760_140_800));
        assert_eq!(interval_start(1_760_169_599, 28_800), Ok(1_760_140_800));
        assert_eq!(interval_start(1_760_169_600, 28_800), Ok(1_760_169_600));
        assert_eq!(interval_start(125, 60), Ok(120));
    }

    #[test]
    fn seed_point_on_leverage() {
        // 3 bps a day sounds small; at 10x it is 30 bps a day on the trader's money.
        assert_eq!(rate_on_equity(3 * BPS, 1_000), Ok(30 * BPS));
        assert_eq!(annualize(BPS, 8 * 3600), Ok(BPS * 3 * 365));
    }
}
