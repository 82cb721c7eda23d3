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
