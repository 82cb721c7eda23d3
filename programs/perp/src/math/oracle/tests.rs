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
