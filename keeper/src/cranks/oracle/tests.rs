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
        price: 1,
        conf: 0,
        exponent: -8,
        publish_time: 10,
    };
    let (authority, key) = (Pubkey::new_unique(), Pubkey::new_unique());
    let quote = PriceQuote { price: 1_500_000, conf: 10, age: 0 };
    let ix = push_instruction(&authority, &key, &oracle, quote, 20).expect("fits");
    assert_eq!(ix, instructions::update_push_oracle(&authority, &key, 150_000_000, 1_000, 20));
    let rough = PushOracle { exponent: 0, ..oracle };
    assert!(push_instruction(&authority, &key, &rough, quote, 20).is_none(), "1.5 in whole units");
}
