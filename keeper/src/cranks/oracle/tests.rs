use super::*;

#[test]
fn prices_convert_to_the_oracles_exponent_exactly_or_not_at_all() {
    // 90,000.5 at 1e6.
    let price = 90_000_500_000;
    assert_eq!(to_oracle_units(price, -6), Some(90_000_500_000));
    assert_eq!(to_oracle_units(price, -8), Some(9_000_050_000_000), "more decimals: scaled up");
    assert_eq!(to_oracle_units(price, -5), Some(9_000_050_000));
    assert_eq!(to_oracle_units(price, 0), None, "0.5 does not fit whole units");
    assert_eq!(to_oracle_units(90_000_000_000, 0), Some(90_000));
    assert_eq!(to_oracle_units(u64::MAX, -18), None, "overflow");
}

#[test]
fn a_push_carries_the_quote_in_the_oracles_units() {
    let oracle = PushOracle {
        authority: Pubkey::new_unique(),
        symbol: [0; 16],
        // Never published: no cap on the first price.
        price: 0,
        conf: 0,
        exponent: -8,
        publish_time: 10,
        max_move_ppm: perp::state::MAX_PUSH_MOVE_PPM,
    };
    let (authority, key) = (Pubkey::new_unique(), Pubkey::new_unique());
    let quote = PriceQuote { price: 1_500_000, conf: 10, age: 0 };
    let ix = push_instruction(&authority, &key, &oracle, quote, 20).expect("fits");
    assert_eq!(ix, instructions::update_push_oracle(&authority, &key, 150_000_000, 1_000, 20));
    let rough = PushOracle { exponent: 0, ..oracle };
    assert!(push_instruction(&authority, &key, &rough, quote, 20).is_none(), "1.5 in whole units");
}

#[test]
fn a_push_steps_toward_the_source_within_the_oracles_cap() {
    // 2% per second from 100.000000 (exponent -6), last published at t = 10.
    let oracle = PushOracle {
        authority: Pubkey::new_unique(),
        symbol: [0; 16],
        price: 100_000_000,
        conf: 0,
        exponent: -6,
        publish_time: 10,
        max_move_ppm: 20_000,
    };
    assert_eq!(clamp_move(&oracle, 75_000_000, 11), 98_000_000, "-25% after 1 s: -2%");
    assert_eq!(clamp_move(&oracle, 75_000_000, 15), 90_000_000, "after 5 s: -10%");
    assert_eq!(clamp_move(&oracle, 130_000_000, 12), 104_000_000, "+30% after 2 s: +4%");
    assert_eq!(clamp_move(&oracle, 101_000_000, 11), 101_000_000, "within the cap: as it is");
    assert_eq!(clamp_move(&oracle, 1, 1_000), 1, "a whole second's worth past 100%: floor at 1 unit");
    let first = PushOracle { price: 0, ..oracle };
    assert_eq!(clamp_move(&first, 75_000_000, 11), 75_000_000, "the first price is not capped");
}
