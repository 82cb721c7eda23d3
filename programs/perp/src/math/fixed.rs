//! Named precisions and the rounding-aware multiply-divide every money formula goes through.
use crate::error::PerpError;
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
pub fn mul_div_u64(a: u64, b: u64, denominator: u64, rounding: Rounding) -> Result<u64, PerpError> {
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
pub fn mul_div_i64(a: i64, b: i64, denominator: i64, rounding: Rounding) -> Result<i64, PerpError> {
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
pub fn apply_ppm(amount: u64, ratio_ppm: u64, rounding: Rounding) -> Result<u64, PerpError> {
    mul_div_u64(amount, ratio_ppm, PPM, rounding)
}

/// Notional in collateral token units of `base` (1e9) at `price` (1e6 quote per base).
pub fn notional(base: u64, price: u64, rounding: Rounding) -> Result<u64, PerpError> {
    mul_div_u64(base, price, BASE_PRECISION, rounding)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_toy_trade_fees_and_notional() {
        // 0.1 BTC at 86,000 (SCENARIO.md): notional 8,600; taker 5 bps = 4.30; maker 2 bps = 1.72.
        let base = BASE_PRECISION / 10;
        let price = 86_000 * PRICE_PRECISION;
        let n = notional(base, price, Rounding::Up).unwrap();
        assert_eq!(n, 8_600 * QUOTE_PRECISION);
        assert_eq!(apply_ppm(n, 500, Rounding::Up).unwrap(), 4_300_000);
        assert_eq!(apply_ppm(n, 200, Rounding::Up).unwrap(), 1_720_000);
        // The same position at 90,000 is worth 9,000: +400 of PnL.
        assert_eq!(notional(base, 90_000 * PRICE_PRECISION, Rounding::Down).unwrap(), 9_000_000_000);
    }

    #[test]
    fn funding_example_from_the_scenario() {
        // F = 0.0001 (1e5 at 1e9) x 90,000 = 9 quote per base; 0.1 base pays 0.9.
        let index_delta = mul_div_u64(100_000, 90_000 * PRICE_PRECISION, FUNDING_RATE_PRECISION, Rounding::Up).unwrap();
        assert_eq!(index_delta, 9 * PRICE_PRECISION);
        assert_eq!(notional(BASE_PRECISION / 10, index_delta, Rounding::Up).unwrap(), 900_000);
    }

    #[test]
    fn unsigned_rounding_directions() {
        assert_eq!(mul_div_u64(10, 1, 3, Rounding::Down).unwrap(), 3);
        assert_eq!(mul_div_u64(10, 1, 3, Rounding::Up).unwrap(), 4);
        assert_eq!(mul_div_u64(9, 1, 3, Rounding::Up).unwrap(), 3);
        // 1 token unit at 1 ppm: 0.000001 of a unit rounds to 0 down, 1 up.
        assert_eq!(apply_ppm(1, 1, Rounding::Down).unwrap(), 0);
        assert_eq!(apply_ppm(1, 1, Rounding::Up).unwrap(), 1);
    }

    #[test]
    fn signed_rounding_is_floor_and_ceiling() {
        assert_eq!(mul_div_i64(-10, 1, 3, Rounding::Down).unwrap(), -4);
        assert_eq!(mul_div_i64(-10, 1, 3, Rounding::Up).unwrap(), -3);
        assert_eq!(mul_div_i64(10, 1, 3, Rounding::Down).unwrap(), 3);
        assert_eq!(mul_div_i64(10, 1, 3, Rounding::Up).unwrap(), 4);
        assert_eq!(mul_div_i64(10, 1, -3, Rounding::Down).unwrap(), -4);
        assert_eq!(mul_div_i64(10, 1, -3, Rounding::Up).unwrap(), -3);
        assert_eq!(mul_div_i64(-10, 1, -3, Rounding::Down).unwrap(), 3);
        assert_eq!(mul_div_i64(-10, 1, -3, Rounding::Up).unwrap(), 4);
        assert_eq!(mul_div_i64(-9, 1, 3, Rounding::Up).unwrap(), -3);
        assert_eq!(mul_div_i64(-9, 1, 3, Rounding::Down).unwrap(), -3);
    }

    #[test]
    fn big_intermediates_fit_and_results_that_do_not_fit_are_rejected() {
        // u64::MAX * u64::MAX fits u128; divided back it is exact.
        assert_eq!(mul_div_u64(u64::MAX, u64::MAX, u64::MAX, Rounding::Down).unwrap(), u64::MAX);
        assert_eq!(mul_div_u64(u64::MAX, 2, 1, Rounding::Down), Err(PerpError::CastOverflow));
        assert_eq!(mul_div_u64(1, 1, 0, Rounding::Down), Err(PerpError::DivisionByZero));
        assert_eq!(mul_div_i64(i64::MIN, -1, 1, Rounding::Down), Err(PerpError::CastOverflow));
        assert_eq!(mul_div_i64(i64::MIN, i64::MIN, i64::MAX, Rounding::Down), Err(PerpError::CastOverflow));
        assert_eq!(mul_div_i64(1, 1, 0, Rounding::Up), Err(PerpError::DivisionByZero));
    }
}
