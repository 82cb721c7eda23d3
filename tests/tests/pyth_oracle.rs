//! A real mainnet Pyth `PriceUpdateV2` account (SOL/USD, 2024-07-09 13:58:00 UTC) read by a Pyth
//! market on the in-process validator: the price the exchange caches, and every guard at its
//! exact boundary (age, confidence, feed id, owner, verification level).
//! Fixture: /work/shared/fixtures/pyth/README.md.
use perp::error::PerpError;
use perp::events::OraclePriceCached;
use perp::state::OracleKind;
use perp::{MarketConfig, OrderSide::*};
use perp_client::chain::Chain;
use perp_client::{events, instructions, pda};
use perp_localnet::localnet::Localnet;
use perp_tests::*;
use solana_program_test::BanksClientError;
use solana_sdk::account::{Account, AccountSharedData};
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};

/// The account's raw data, as fetched from mainnet (134 bytes).
const FIXTURE: &[u8] = include_bytes!("../../../shared/fixtures/pyth/7UVimffxr9ow1uXYxsr4LHAcV58mLzhmwaeKvJ1pjLiE.bin");
/// Its mainnet address (the SOL/USD price feed account).
const SOL_USD_ACCOUNT: Pubkey = Pubkey::from_str_const("7UVimffxr9ow1uXYxsr4LHAcV58mLzhmwaeKvJ1pjLiE");
/// The Pyth Solana receiver program, which owns it.
const RECEIVER: Pubkey = Pubkey::from_str_const("rec5EKMGg6MxZYaMdyBfgwp4d5rB9T1VQH5pJv5LtFJ");
const SOL_USD_FEED: &str = "ef0d8b6fda2ceba41da15d4095d1da392a0d2f8ed0c6c7bc0f4cfac8c280b56d";
/// BTC/USD's feed id: a real feed, not this account's.
const BTC_USD_FEED: &str = "e62df6c8b4a85fe1a67db44dc12de5db330f7ac66b72dc658afedf0f4a415b43";
/// 2024-07-09 13:58:00 UTC.
const PUBLISH_TIME: i64 = 1_720_533_480;
/// 14061593700 x 10^-8 = 140.615937 USD, at 1e6.
const PRICE_1E6: u64 = 140_615_937;
/// conf / price = 13793699 / 14061593700 = 980.95 ppm.
const CONF_PPM_ACCEPTED: u32 = 981;
const CONF_PPM_REJECTED: u32 = 980;
const MAX_AGE: u32 = 60;

fn feed_id(hex: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("hex");
    }
    out
}

/// Puts `data` at `address`, owned by `owner`, into the bank.
fn install(net: &mut Localnet, address: &Pubkey, owner: &Pubkey, data: &[u8]) {
    let account =
        Account { lamports: 1_000_000_000, data: data.to_vec(), owner: *owner, executable: false, rent_epoch: 0 };
    net.ctx.set_account(address, &AccountSharedData::from(account));
}

/// The fixture's update under another feed id, at that feed's shard-0 address (where
/// `create_market` reads a Pyth market's first price): bytes built from the real account, for
/// markets on feeds this test has no mainnet account of.
fn install_feed(net: &mut Localnet, feed: [u8; 32]) {
    let mut data = FIXTURE.to_vec();
    data[41..73].copy_from_slice(&feed);
    install(net, &pda::pyth_price_feed(0, &feed), &RECEIVER, &data);
}

/// A localnet whose clock reads `PUBLISH_TIME + 5`, with the fixture at its mainnet address.
async fn start() -> Localnet {
    let mut net = localnet().await;
    net.set_unix_time(PUBLISH_TIME + 5).await.unwrap();
    install(&mut net, &SOL_USD_ACCOUNT, &RECEIVER, FIXTURE);
    net
}

/// A Pyth market on `feed` with the given guards (the rest: the harness defaults).
async fn pyth_market(net: &mut Localnet, name: &str, feed: [u8; 32], max_age_secs: u32, max_conf_ppm: u32) -> Pubkey {
    let key = Keypair::new();
    let config = MarketConfig {
        oracle_kind: OracleKind::Pyth,
        oracle: Pubkey::new_from_array(feed),
        oracle_max_age_secs: max_age_secs,
        oracle_max_conf_ppm: max_conf_ppm,
        ..default_config(Pubkey::default())
    };
    create_market_account(net, &key, default_layout(name), config).await.expect("create Pyth market");
    key.pubkey()
}

/// `refresh_oracle`, made distinct by `n` (the harness would send a repeated transaction in a new
/// slot, and a new slot resets the clock this file sets back to 2024).
async fn refresh(net: &mut Localnet, market: &Pubkey, oracle: &Pubkey, n: u32) -> Result<(), BanksClientError> {
    net.send(&[salt(n), instructions::refresh_oracle(market, oracle)], &[]).await
}

fn salt(n: u32) -> Instruction {
    solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_limit(1_000_000 + n)
}

/// Asserts the refresh failed with `expected` and left the market as it was.
async fn assert_refresh_rejected(net: &mut Localnet, market: &Pubkey, oracle: &Pubkey, n: u32, expected: PerpError) {
    let before = snapshot(net, &[*market, *oracle]).await;
    assert_perp_error(refresh(net, market, oracle, n).await, expected);
    assert_eq!(snapshot(net, &[*market, *oracle]).await, before);
}

#[test]
fn the_fixture_is_the_documented_update() {
    assert_eq!(FIXTURE.len(), 134);
    assert_eq!(RECEIVER, perp::state::PYTH_RECEIVER_ID);
    // Anchor discriminator, write authority (32), verification level Full (1 byte: variant 1),
    // then the price message: feed id, price, conf, exponent, publish time.
    assert_eq!(FIXTURE[40], 1, "verification level Full");
    assert_eq!(&FIXTURE[41..73], &feed_id(SOL_USD_FEED));
    let i64_at = |o: usize| i64::from_le_bytes(FIXTURE[o..o + 8].try_into().unwrap());
    assert_eq!(i64_at(73), 14_061_593_700);
    assert_eq!(i64_at(81) as u64, 13_793_699);
    assert_eq!(i32::from_le_bytes(FIXTURE[89..93].try_into().unwrap()), -8);
    assert_eq!(i64_at(93), PUBLISH_TIME);
}

#[tokio::test]
async fn the_exchange_caches_the_mainnet_sol_price_at_1e6() {
    let mut net = start().await;
    // The fixture is at its feed's shard-0 address: `create_market` reads and caches it.
    assert_eq!(pda::pyth_price_feed(0, &feed_id(SOL_USD_FEED)), SOL_USD_ACCOUNT);
    let market = pyth_market(&mut net, "SOL-PERP", feed_id(SOL_USD_FEED), MAX_AGE, 10_000).await;
    assert_eq!(header(&mut net, &market).await.oracle_price, PRICE_1E6, "cached at creation");

    let ix = instructions::refresh_oracle(&market, &SOL_USD_ACCOUNT);
    let out = Chain::send(&mut net, &[ix], &[]).await.unwrap();
    let cached = events::decode::<OraclePriceCached>(&out.logs);
    assert_eq!((cached[0].market, cached[0].price, cached[0].publish_time), (market, PRICE_1E6, PUBLISH_TIME));
    let h = header(&mut net, &market).await;
    assert_eq!((h.oracle_price, h.oracle_publish_time), (PRICE_1E6, PUBLISH_TIME));
    assert_eq!((h.oracle_kind, h.oracle.to_bytes()), (OracleKind::Pyth as u8, feed_id(SOL_USD_FEED)));

    // Orders are priced against it: the 10% price band around 140.615937 is 126.554344 to
    // 154.677530, so on a 1-quote tick 127 and 154 are in and 126 and 155 are out.
    let sol = TestMarket {
        address: market,
        oracle: SOL_USD_ACCOUNT,
        oracle_authority: Keypair::new(),
        symbol: pda::symbol("SOL-PERP"),
    };
    let trader = new_trader(&mut net, 1_000 * QUOTE).await;
    deposit(&mut net, &trader, 1_000 * QUOTE).await.unwrap();
    let addresses = [market, trader.trader(), pda::exchange(), pda::vault()];
    let before = snapshot(&mut net, &addresses).await;
    assert_perp_error(order(&mut net, &trader, &sol, limit(Buy, 155, 100, 1)).await, PerpError::PriceOutsideBand);
    assert_perp_error(order(&mut net, &trader, &sol, limit(Sell, 126, 100, 2)).await, PerpError::PriceOutsideBand);
    assert_eq!(snapshot(&mut net, &addresses).await, before);
    order(&mut net, &trader, &sol, limit(Buy, 154, 100, 3)).await.unwrap();
    order(&mut net, &trader, &sol, limit(Buy, 127, 100, 4)).await.unwrap();
    let s = seat(&mut net, &market, &trader).await.unwrap();
    // 100 lots of 0.001 SOL at 154 and at 127: 15.4 + 12.7 quote.
    assert_eq!((s.order_count, s.open_bid_lots, s.open_bid_notional), (2, 200, 28_100_000));
    assert_money_rules(&mut net).await;
}

#[tokio::test]
async fn the_update_is_good_at_exactly_its_max_age_and_stale_one_second_later() {
    let mut net = start().await;
    let market = pyth_market(&mut net, "SOL-PERP", feed_id(SOL_USD_FEED), MAX_AGE, 10_000).await;

    // Published slightly after the validator's clock: not stale.
    net.set_unix_time(PUBLISH_TIME - 2).await.unwrap();
    refresh(&mut net, &market, &SOL_USD_ACCOUNT, 1).await.unwrap();
    net.set_unix_time(PUBLISH_TIME + i64::from(MAX_AGE)).await.unwrap();
    refresh(&mut net, &market, &SOL_USD_ACCOUNT, 2).await.unwrap();
    assert_eq!(header(&mut net, &market).await.oracle_price, PRICE_1E6);

    net.set_unix_time(PUBLISH_TIME + i64::from(MAX_AGE) + 1).await.unwrap();
    assert_refresh_rejected(&mut net, &market, &SOL_USD_ACCOUNT, 3, PerpError::StaleOracle).await;
    let longest = perp::state::MAX_ORACLE_MAX_AGE_SECS;
    net.set_unix_time(PUBLISH_TIME + i64::from(longest)).await.unwrap();
    assert_refresh_rejected(&mut net, &market, &SOL_USD_ACCOUNT, 4, PerpError::StaleOracle).await;

    // A market with the longest max age allowed (an hour) accepts the same update at that time.
    let lenient = pyth_market(&mut net, "SOL-PERP", feed_id(SOL_USD_FEED), longest, 10_000).await;
    refresh(&mut net, &lenient, &SOL_USD_ACCOUNT, 5).await.unwrap();
    net.set_unix_time(PUBLISH_TIME + i64::from(longest) + 1).await.unwrap();
    assert_refresh_rejected(&mut net, &lenient, &SOL_USD_ACCOUNT, 6, PerpError::StaleOracle).await;
}

/// Issue #19 item 9, Pyth price picking: any fully verified update within the max age was
/// accepted, so a caller could pick the most favourable price in the window, and a newer refresh
/// made others' transactions fail (`OracleWentBack`). An older update is now ignored: the market
/// keeps the newer price, and the transaction goes through.
#[tokio::test]
async fn a_caller_cannot_pick_an_older_more_favourable_pyth_price() {
    let mut net = start().await;
    let market = pyth_market(&mut net, "SOL-PERP", feed_id(SOL_USD_FEED), MAX_AGE, 10_000).await;
    refresh(&mut net, &market, &SOL_USD_ACCOUNT, 1).await.unwrap();
    // The same signed feed 10 s older, within the max age, at a price of 100 USD.
    let at = FIXTURE.windows(8).position(|w| w == PUBLISH_TIME.to_le_bytes()).expect("publish time in the fixture");
    let mut older = FIXTURE.to_vec();
    older[at..at + 8].copy_from_slice(&(PUBLISH_TIME - 10).to_le_bytes());
    // Layout before the publish time: price (i64), conf (u64), exponent (i32).
    older[at - 20..at - 12].copy_from_slice(&10_000_000_000i64.to_le_bytes());
    let older_account = Pubkey::new_unique();
    install(&mut net, &older_account, &RECEIVER, &older);
    refresh(&mut net, &market, &older_account, 2).await.expect("an older update is not an error");
    let h = header(&mut net, &market).await;
    assert_eq!((h.oracle_price, h.oracle_publish_time), (PRICE_1E6, PUBLISH_TIME), "the newer price stands");
}

#[tokio::test]
async fn another_feed_id_is_refused() {
    let mut net = start().await;
    install_feed(&mut net, feed_id(BTC_USD_FEED));
    let btc = pyth_market(&mut net, "BTC-PERP", feed_id(BTC_USD_FEED), MAX_AGE, 10_000).await;
    assert_refresh_rejected(&mut net, &btc, &SOL_USD_ACCOUNT, 1, PerpError::ForeignOracle).await;
    // The account's address is not its feed id: a market configured with it is refused too.
    install_feed(&mut net, SOL_USD_ACCOUNT.to_bytes());
    let by_address = pyth_market(&mut net, "SOL-PERP", SOL_USD_ACCOUNT.to_bytes(), MAX_AGE, 10_000).await;
    assert_refresh_rejected(&mut net, &by_address, &SOL_USD_ACCOUNT, 2, PerpError::ForeignOracle).await;
    // One bit off.
    let mut near = feed_id(SOL_USD_FEED);
    near[31] ^= 1;
    install_feed(&mut net, near);
    let near = pyth_market(&mut net, "SOL-PERP", near, MAX_AGE, 10_000).await;
    assert_refresh_rejected(&mut net, &near, &SOL_USD_ACCOUNT, 3, PerpError::ForeignOracle).await;
    // The right feed id reads it.
    let sol = pyth_market(&mut net, "SOL-PERP", feed_id(SOL_USD_FEED), MAX_AGE, 10_000).await;
    refresh(&mut net, &sol, &SOL_USD_ACCOUNT, 4).await.unwrap();
}

#[tokio::test]
async fn the_same_bytes_under_another_owner_are_refused() {
    let mut net = start().await;
    let market = pyth_market(&mut net, "SOL-PERP", feed_id(SOL_USD_FEED), MAX_AGE, 10_000).await;
    let token_program = Pubkey::from_str_const("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");
    let system_program = Pubkey::default();
    for (i, owner) in [perp::ID, system_program, token_program, Pubkey::new_unique()].iter().enumerate() {
        let forged = Pubkey::new_unique();
        install(&mut net, &forged, owner, FIXTURE);
        assert_refresh_rejected(&mut net, &market, &forged, i as u32, PerpError::ForeignOracle).await;
    }
    // At its real address too, when the owner is not the receiver.
    install(&mut net, &SOL_USD_ACCOUNT, &perp::ID, FIXTURE);
    assert_refresh_rejected(&mut net, &market, &SOL_USD_ACCOUNT, 10, PerpError::ForeignOracle).await;
    install(&mut net, &SOL_USD_ACCOUNT, &RECEIVER, FIXTURE);
    refresh(&mut net, &market, &SOL_USD_ACCOUNT, 11).await.unwrap();
    // A copy at another address owned by the receiver is as good as the original (Pyth pull
    // updates live at any address; the feed id is what identifies them).
    let copy = Pubkey::new_unique();
    install(&mut net, &copy, &RECEIVER, FIXTURE);
    refresh(&mut net, &market, &copy, 12).await.unwrap();
    assert_eq!(header(&mut net, &market).await.oracle_price, PRICE_1E6);
}

#[tokio::test]
async fn the_confidence_bound_is_exact_to_the_ppm() {
    let mut net = start().await;
    let loose = pyth_market(&mut net, "SOL-PERP", feed_id(SOL_USD_FEED), MAX_AGE, CONF_PPM_ACCEPTED).await;
    refresh(&mut net, &loose, &SOL_USD_ACCOUNT, 1).await.unwrap();
    assert_eq!(header(&mut net, &loose).await.oracle_price, PRICE_1E6);
    // A market 1 ppm tighter cannot even start on this update (`create_market` reads it as
    // `refresh_oracle` does); nothing is left behind.
    let tight_config = |conf_ppm| MarketConfig {
        oracle_kind: OracleKind::Pyth,
        oracle: Pubkey::new_from_array(feed_id(SOL_USD_FEED)),
        oracle_max_age_secs: MAX_AGE,
        oracle_max_conf_ppm: conf_ppm,
        ..default_config(Pubkey::default())
    };
    let key = Keypair::new();
    let result =
        create_market_account(&mut net, &key, default_layout("SOL-PERP"), tight_config(CONF_PPM_REJECTED)).await;
    assert_perp_error(result, PerpError::OracleConfidenceTooWide);
    assert!(net.account(&key.pubkey()).await.unwrap().is_none());
    // Staleness is checked before confidence.
    net.set_unix_time(PUBLISH_TIME + i64::from(MAX_AGE) + 1).await.unwrap();
    let result =
        create_market_account(&mut net, &key, default_layout("SOL-PERP"), tight_config(CONF_PPM_REJECTED)).await;
    assert_perp_error(result, PerpError::StaleOracle);
    assert_refresh_rejected(&mut net, &loose, &SOL_USD_ACCOUNT, 3, PerpError::StaleOracle).await;
}

#[tokio::test]
async fn partial_verification_and_malformed_data_are_refused() {
    let mut net = start().await;
    let market = pyth_market(&mut net, "SOL-PERP", feed_id(SOL_USD_FEED), MAX_AGE, 10_000).await;
    // The same message under verification level Partial { num_signatures: 5 } (2 bytes; the
    // account's spare last byte makes room).
    let mut partial = FIXTURE[..40].to_vec();
    partial.extend_from_slice(&[0, 5]);
    partial.extend_from_slice(&FIXTURE[41..133]);
    assert_eq!(partial.len(), FIXTURE.len());
    let partial_key = Pubkey::new_unique();
    install(&mut net, &partial_key, &RECEIVER, &partial);
    assert_refresh_rejected(&mut net, &market, &partial_key, 1, PerpError::OracleNotFullyVerified).await;

    // Truncated, and with a wrong discriminator.
    let truncated = Pubkey::new_unique();
    install(&mut net, &truncated, &RECEIVER, &FIXTURE[..100]);
    assert_refresh_rejected(&mut net, &market, &truncated, 2, PerpError::InvalidOracleAccount).await;
    let mut wrong_kind = FIXTURE.to_vec();
    wrong_kind[0] ^= 0xff;
    let wrong_kind_key = Pubkey::new_unique();
    install(&mut net, &wrong_kind_key, &RECEIVER, &wrong_kind);
    assert_refresh_rejected(&mut net, &market, &wrong_kind_key, 3, PerpError::InvalidOracleAccount).await;

    // A push market is not fooled by a Pyth account either.
    let push = create_market(&mut net, default_layout("PUSH-PERP"), default_config, 140).await;
    assert_refresh_rejected(&mut net, &push.address, &SOL_USD_ACCOUNT, 4, PerpError::ForeignOracle).await;
}
