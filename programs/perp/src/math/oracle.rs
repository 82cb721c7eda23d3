//! Oracle guards and price normalization: staleness, confidence, sign, exponent.
use crate::error::PerpError;
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
pub fn validated_price(reading: &OracleReading, guard: &OracleGuard, now: i64) -> Result<u64, PerpError> {
    if reading.price <= 0 {
        return Err(PerpError::NonPositiveOraclePrice);
    }
    let age = now.safe_sub(reading.publish_time)?;
    if age > i64::from(guard.max_age_secs) {
        return Err(PerpError::StaleOracle);
    }
    let price: u64 = cast(reading.price)?;
    // conf / price <= max_ppm / 1e6, in u128 so nothing rounds.
    let lhs = u128::from(reading.conf).safe_mul(u128::from(PPM))?;
    let rhs = u128::from(guard.max_conf_ppm).safe_mul(u128::from(price))?;
    if lhs > rhs {
        return Err(PerpError::OracleConfidenceTooWide);
    }
    let normalized = to_price_precision(price, reading.exponent)?;
    if normalized == 0 {
        return Err(PerpError::NonPositiveOraclePrice);
    }
    Ok(normalized)
}

/// `value x 10^exponent` expressed at 1e6 (i.e. `value x 10^(exponent + 6)`), rounded down.
pub fn to_price_precision(value: u64, exponent: i32) -> Result<u64, PerpError> {
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
mod tests {
    use super::*;

    /// The mainnet SOL/USD PriceUpdateV2 in ../shared/fixtures: 140.615937 +- 0.137937 USD.
    const SOL: OracleReading =
        OracleReading { price: 14_061_593_700, conf: 13_793_699, exponent: -8, publish_time: 1_720_533_480 };

    fn guard(max_age_secs: u32, max_conf_ppm: u32) -> OracleGuard {
        OracleGuard { max_age_secs, max_conf_ppm }
    }

    #[test]
    fn the_fixture_price_converts_and_its_confidence_boundary_is_981_ppm() {
        let now = SOL.publish_time + 5;
        assert_eq!(validated_price(&SOL, &guard(60, 981), now), Ok(140_615_937));
        // conf / price = 980.95 ppm.
        assert_eq!(validated_price(&SOL, &guard(60, 980), now), Err(PerpError::OracleConfidenceTooWide));
    }

    #[test]
    fn staleness_is_now_minus_publish_time_with_the_boundary_accepted() {
        let g = guard(30, 1_000);
        assert!(validated_price(&SOL, &g, SOL.publish_time + 30).is_ok());
        assert_eq!(validated_price(&SOL, &g, SOL.publish_time + 31), Err(PerpError::StaleOracle));
        // A publish time slightly ahead of the validator clock is not stale.
        assert!(validated_price(&SOL, &g, SOL.publish_time - 2).is_ok());
    }

    #[test]
    fn non_positive_prices_and_odd_exponents_are_rejected() {
        let g = guard(30, 1_000_000);
        let t = SOL.publish_time;
        for price in [0, -1, i64::MIN] {
            let r = OracleReading { price, ..SOL };
            assert_eq!(validated_price(&r, &g, t), Err(PerpError::NonPositiveOraclePrice));
        }
        let tiny = OracleReading { price: 5, conf: 0, exponent: -8, publish_time: t };
        assert_eq!(validated_price(&tiny, &g, t), Err(PerpError::NonPositiveOraclePrice));
        let odd = OracleReading { exponent: -19, ..SOL };
        assert_eq!(validated_price(&odd, &g, t), Err(PerpError::OracleExponentOutOfRange));
        let huge = OracleReading { price: i64::MAX, conf: 0, exponent: 6, publish_time: t };
        assert_eq!(validated_price(&huge, &g, t), Err(PerpError::MathOverflow));
    }

    #[test]
    fn exponents_scale_both_ways() {
        assert_eq!(to_price_precision(86_000, 0), Ok(86_000_000_000));
        assert_eq!(to_price_precision(8_600_000_000_000, -8), Ok(86_000_000_000));
        assert_eq!(to_price_precision(123_456_789, -9), Ok(123_456)); // rounds down
        assert_eq!(to_price_precision(1, 6), Ok(1_000_000_000_000));
    }
}
