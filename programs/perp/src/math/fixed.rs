//! Named precisions and the rounding-aware multiply-divide every money formula goes through.
use crate::error::{PerpError, PerpResult};
use crate::math::safe::{cast, SafeMath};

/// Collateral token units per whole quote unit (the collateral mint has 6 decimals).
pub const QUOTE_PRECISION: u64 = 1_000_000;
/// The only collateral decimals the exchange accepts.
pub const COLLATERAL_DECIMALS: u8 = 6;
/// Prices: quote units per whole base unit, at 1e6.
pub const PRICE_PRECISION: u64 = 1_000_000;
/// Base amounts at 1e9 per whole base unit.
pub const BASE_PRECISION: u64 = 1_000_000_000;
/// Ratios (margin, fees, shares, bands, confidence): parts per million, 1e6 = 100%.
pub const PPM: u64 = 1_000_000;
/// Funding rates at 1e9 per 1.0.
pub const FUNDING_RATE_PRECISION: u64 = 1_000_000_000;

/// Which way a division that does not come out even is rounded. Callers pick the direction that
/// goes against the trader (toward the exchange / insurance fund).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rounding {
    /// Toward negative infinity (floor).
    Down,
    /// Toward positive infinity (ceiling).
    Up,
}

/// `a * b / denominator` on unsigned values, computed in u128 and rounded as asked.
pub fn mul_div_u64(a: u64, b: u64, denominator: u64, rounding: Rounding) -> PerpResult<u64> {
    if denominator == 0 {
        return Err(PerpError::DivisionByZero);
    }
    let product = u128::from(a).safe_mul(u128::from(b))?;
    let denominator = u128::from(denominator);
    let quotient = product / denominator;
    let rounded = match rounding {
        Rounding::Up if product % denominator != 0 => quotient.safe_add(1)?,
        _ => quotient,
    };
    cast(rounded)
}

/// `a * b / denominator` on signed values, computed in i128; `Rounding::Down` is floor and
/// `Rounding::Up` is ceiling whatever the sign of the result.
pub fn mul_div_i64(a: i64, b: i64, denominator: i64, rounding: Rounding) -> PerpResult<i64> {
    if denominator == 0 {
        return Err(PerpError::DivisionByZero);
    }
    let product = i128::from(a).safe_mul(i128::from(b))?;
    let denominator = i128::from(denominator);
    let floor = product.div_euclid(denominator);
    // div_euclid floors for a positive denominator; normalise for a negative one.
    let floor = if denominator < 0 && product.rem_euclid(denominator) != 0 { floor.safe_sub(1)? } else { floor };
    let exact = floor.safe_mul(denominator)? == product;
    let rounded = match rounding {
        Rounding::Up if !exact => floor.safe_add(1)?,
        _ => floor,
    };
    cast(rounded)
}

/// `amount x ratio_ppm / 1e6`, e.g. a fee or a share of a quote amount.
pub fn apply_ppm(amount: u64, ratio_ppm: u64, rounding: Rounding) -> PerpResult<u64> {
    mul_div_u64(amount, ratio_ppm, PPM, rounding)
}

/// Notional in collateral token units of `base` (1e9) at `price` (1e6 quote per base).
pub fn notional(base: u64, price: u64, rounding: Rounding) -> PerpResult<u64> {
    mul_div_u64(base, price, BASE_PRECISION, rounding)
}

#[cfg(test)]
mod tests;
