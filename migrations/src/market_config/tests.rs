use super::*;

#[test]
fn decimals_parse_exactly_or_not_at_all() {
    assert_eq!(parse_decimal("0.001", BASE_PRECISION).unwrap(), 1_000_000);
    assert_eq!(parse_decimal("12.5", PRICE_PRECISION).unwrap(), 12_500_000);
    assert_eq!(parse_decimal("3", PRICE_PRECISION).unwrap(), 3_000_000);
    assert!(parse_decimal("0.0000001", PRICE_PRECISION).is_err(), "more places than the precision");
    assert!(parse_decimal("1.2.3", PRICE_PRECISION).is_err());
    assert!(parse_decimal("-1", PRICE_PRECISION).is_err());
    assert!(parse_decimal(".", PRICE_PRECISION).is_err());
    assert!(parse_decimal("99999999999999999", PRICE_PRECISION).is_err(), "overflow");
}
