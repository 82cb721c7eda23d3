//! Liquidation formulas (DESIGN.md, "The loss waterfall, exactly", step 1): the penalty and its
//! split, the transfer price an event reports, and the least takeover that restores margin.
use crate::error::PerpResult;
use crate::math::fixed::{apply_ppm, mul_div_u64, Rounding, BASE_PRECISION, PPM};
use crate::math::safe::SafeMath;

/// A liquidation penalty and where it goes (token units).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PenaltySplit {
    /// What the liquidated account pays: `penalty_ppm` of the notional taken over, rounded up
    /// (against the liquidated), capped by its equity so liquidation never creates a deficit.
    pub total: u64,
    /// The liquidator's part: the rest after the insurance fund's.
    pub to_liquidator: u64,
    /// The insurance fund's part: `insurance_share_ppm` of the total, rounded up (toward the fund).
    pub to_insurance: u64,
}

/// The penalty on `notional` taken over, capped by `equity_cap` (the account's equity, >= 0).
pub fn penalty(notional: u64, penalty_ppm: u32, insurance_share_ppm: u32, equity_cap: u64) -> PerpResult<PenaltySplit> {
    let total = apply_ppm(notional, u64::from(penalty_ppm), Rounding::Up)?.min(equity_cap);
    let to_insurance = apply_ppm(total, u64::from(insurance_share_ppm), Rounding::Up)?.min(total);
    Ok(PenaltySplit { total, to_liquidator: total.safe_sub(to_insurance)?, to_insurance })
}

/// The price (1e6) at which the liquidator takes the position over, for events: the oracle less
/// (a long) or plus (a short) the liquidator's part of the penalty per whole base unit, so
/// `oracle x (1 - (1 - s) p)` for a long and `oracle x (1 + (1 - s) p)` for a short before the cap.
/// `base` is the size taken over (1e9); the discount rounds down (the figure is informative).
pub fn transfer_price(oracle_price: u64, base: u64, to_liquidator: u64, long: bool) -> PerpResult<u64> {
    let discount = mul_div_u64(to_liquidator, BASE_PRECISION, base, Rounding::Down)?;
    if long {
        Ok(oracle_price.saturating_sub(discount))
    } else {
        oracle_price.safe_add(discount)
    }
}

/// What taking `lots` over gains the account's margin, at most and at least, per lot worth
/// `lot_value` token units: each lot taken frees at least the lowest and at most the highest
/// maintenance ratio of the brackets (the marginal rate of Binance-form brackets is the band's
/// ratio), plus the buffer on it, and costs the penalty.
pub fn margin_gain_per_lot(lot_value: u64, maintenance_ppm: u32, buffer_ppm: u32, penalty_ppm: u32) -> PerpResult<u64> {
    let ratio = u64::from(maintenance_ppm).safe_add(u64::from(buffer_ppm))?.saturating_sub(u64::from(penalty_ppm));
    mul_div_u64(lot_value, ratio, PPM, Rounding::Down)
}

/// The least `x` in `1..=held` for which `ok(x)` holds, given that `ok` is monotone (false, then
/// true) and `ok(held)` holds; searched within `[lo, hi]` (clamped to `1..=held`), which the
/// caller derives from the gain bounds so the search takes few steps.
pub fn least_lots(held: u64, lo: u64, hi: u64, mut ok: impl FnMut(u64) -> PerpResult<bool>) -> PerpResult<u64> {
    let mut lo = lo.clamp(1, held);
    let mut hi = hi.clamp(lo, held);
    if !ok(hi)? {
        hi = held;
    }
    if lo > 1 && ok(lo)? {
        // The lower bound was too high (rounding): search from 1.
        lo = 1;
    }
    while lo < hi {
        let mid = lo.safe_add(hi.safe_sub(lo)? / 2)?;
        if ok(mid)? {
            hi = mid;
        } else {
            lo = mid.safe_add(1)?;
        }
    }
    Ok(hi)
}

#[cfg(test)]
mod tests;
