//! Oracle guards and price normalization: staleness, confidence, sign, exponent.
use crate::error::{PerpError, PerpResult};
use crate::math::safe::{cast, SafeMath};
use crate::math::PPM;

/// A raw oracle reading: `price x 10^exponent` quote per base, `conf` in the same units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OracleReading {
    pub price: i64,
    pub conf: u64,
    pub exponent: i32,
    pub publish_time: i64,
}

/// Exponents the program converts (Pyth uses -5 to -10 for USD feeds).
pub const MIN_ORACLE_EXPONENT: i32 = -18;
pub const MAX_ORACLE_EXPONENT: i32 = 6;

/// A market's oracle bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OracleGuard {
    /// Largest accepted `now - publish_time`, seconds (boundary included).
    pub max_age_secs: u32,
    /// Largest accepted `conf / price`, ppm (boundary included).
    pub max_conf_ppm: u32,
}

/// Checks a reading against the guard at `now` and converts it to a price at 1e6 (rounded
/// down). Order of checks: sign, staleness, confidence, exponent.
pub fn validated_price(reading: &OracleReading, guard: &OracleGuard, now: i64) -> PerpResult<u64> {
    crate::validate!(reading.price > 0, PerpError::NonPositiveOraclePrice, "oracle price {}", reading.price);
    let age = now.safe_sub(reading.publish_time)?;
    crate::validate!(
        age <= i64::from(guard.max_age_secs),
        PerpError::StaleOracle,
        "oracle published at {}, {} s before the clock ({}), past the max age {} s",
        reading.publish_time,
        age,
        now,
        guard.max_age_secs
    );
    let price: u64 = cast(reading.price)?;
    // conf / price <= max_ppm / 1e6, in u128 so nothing rounds.
    let lhs = u128::from(reading.conf).safe_mul(u128::from(PPM))?;
    let rhs = u128::from(guard.max_conf_ppm).safe_mul(u128::from(price))?;
    crate::validate!(
        lhs <= rhs,
        PerpError::OracleConfidenceTooWide,
        "oracle confidence {} on price {} over {} ppm",
        reading.conf,
        price,
        guard.max_conf_ppm
    );
    let normalized = to_price_precision(price, reading.exponent)?;
    if normalized == 0 {
        return Err(PerpError::NonPositiveOraclePrice);
    }
    Ok(normalized)
}

/// `value x 10^exponent` expressed at 1e6 (i.e. `value x 10^(exponent + 6)`), rounded down.
pub fn to_price_precision(value: u64, exponent: i32) -> PerpResult<u64> {
    if !(MIN_ORACLE_EXPONENT..=MAX_ORACLE_EXPONENT).contains(&exponent) {
        return Err(PerpError::OracleExponentOutOfRange);
    }
    let shift = exponent + 6;
    let scale = 10u64.checked_pow(shift.unsigned_abs()).ok_or(PerpError::MathOverflow)?;
    if shift >= 0 {
        value.safe_mul(scale)
    } else {
        Ok(value / scale)
    }
}

#[cfg(test)]
mod tests;
