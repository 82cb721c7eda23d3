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
