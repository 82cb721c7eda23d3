use super::*;

/// The real mainnet SOL/USD feed account (../shared/fixtures/pyth): Pyth's push oracle keeps it
/// at the shard-0 address of the feed id.
#[test]
fn pyth_feed_account_is_the_mainnet_address() {
    let feed_id: [u8; 32] = std::array::from_fn(|i| {
        let hex = "ef0d8b6fda2ceba41da15d4095d1da392a0d2f8ed0c6c7bc0f4cfac8c280b56d";
        u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap()
    });
    let expected: Pubkey = "7UVimffxr9ow1uXYxsr4LHAcV58mLzhmwaeKvJ1pjLiE".parse().unwrap();
    assert_eq!(pyth_price_feed(0, &feed_id), expected);
    assert_ne!(pyth_price_feed(1, &feed_id), expected);
}
