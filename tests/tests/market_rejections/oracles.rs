//! Oracles.
use super::*;

async fn push_oracle(net: &mut Localnet, market: &TestMarket) -> PushOracle {
    net.program_account::<PushOracle>(&market.oracle).await.unwrap().expect("push oracle")
}

#[tokio::test]
async fn a_stale_oracle_stops_orders_withdrawals_and_refreshes() {
    let mut net = localnet().await;
    let btc = create_market(&mut net, default_layout("BTC-PERP"), default_config, 1_000).await;
    let alice = funded_trader(&mut net, 1_000).await;
    order(&mut net, &alice, &btc, limit(Buy, 990, 10, 1)).await.unwrap();
    let published = push_oracle(&mut net, &btc).await.publish_time;
    let max_age = i64::from(header(&mut net, &btc.address).await.oracle_max_age_secs);
    assert_eq!(max_age, 60);

    let addresses = watched(&[&alice], &[btc.address, btc.oracle]);
    net.set_unix_time(published + max_age + 1).await.unwrap();
    let before = snapshot(&mut net, &addresses).await;
    let r = order(&mut net, &alice, &btc, limit(Buy, 991, 10, 2)).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::StaleOracle).await;
    let r = withdraw(&mut net, &alice, QUOTE).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::StaleOracle).await;
    let r = refresh(&mut net, &btc.address, &btc.oracle, 1).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::StaleOracle).await;
    let r = net.send(&[instructions::update_funding(&btc.address, &btc.oracle)], &[]).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::StaleOracle).await;
    // Cancels do not price anything: they work on a stale oracle.
    net.send(&[instructions::cancel_order(&alice.owner.pubkey(), 0, &btc.address, 1)], &[&alice.owner]).await.unwrap();

    // At exactly the maximum age the price is still good.
    net.set_unix_time(published + max_age).await.unwrap();
    refresh(&mut net, &btc.address, &btc.oracle, 2).await.unwrap();
    assert_eq!(header(&mut net, &btc.address).await.oracle_publish_time, published);
    order(&mut net, &alice, &btc, limit(Buy, 991, 10, 3)).await.unwrap();
    // A fresh price makes it all work again later.
    net.set_unix_time(published + 10 * max_age).await.unwrap();
    assert_perp_error(order(&mut net, &alice, &btc, limit(Buy, 992, 10, 4)).await, PerpError::StaleOracle);
    move_price(&mut net, &btc, 1_000).await;
    order(&mut net, &alice, &btc, limit(Buy, 992, 10, 5)).await.unwrap();
    assert_money_rules(&mut net).await;
}

#[tokio::test]
async fn a_market_reads_only_its_own_oracle() {
    let mut net = localnet().await;
    let btc = create_market(&mut net, default_layout("BTC-PERP"), default_config, 1_000).await;
    let eth = create_market(&mut net, default_layout("ETH-PERP"), default_config, 1_000).await;
    let alice = funded_trader(&mut net, 1_000).await;
    let addresses = watched(&[&alice], &[btc.address, eth.address, btc.oracle, eth.oracle]);
    let before = snapshot(&mut net, &addresses).await;

    // ETH's push oracle (same program, same price) in BTC's place.
    let r = net.send(&[instructions::refresh_oracle(&btc.address, &eth.oracle)], &[]).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::ForeignOracle).await;
    let ix =
        instructions::place_order(&alice.owner.pubkey(), 0, &btc.address, &eth.oracle, limit(Buy, 990, 10, 1), &[]);
    let r = net.send(&[ix], &[&alice.owner]).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::ForeignOracle).await;
    let r = net.send(&[instructions::update_funding(&btc.address, &eth.oracle)], &[]).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::ForeignOracle).await;
    // An account that is no oracle at all (a trader account, a token account, nothing).
    for not_an_oracle in [alice.trader(), alice.token_account, Pubkey::new_unique()] {
        let r = net.send(&[instructions::refresh_oracle(&btc.address, &not_an_oracle)], &[]).await;
        assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::ForeignOracle).await;
    }
    // The market's own oracle works.
    net.send(&[instructions::refresh_oracle(&btc.address, &btc.oracle)], &[]).await.unwrap();
    order(&mut net, &alice, &btc, limit(Buy, 990, 10, 1)).await.unwrap();
    assert_money_rules(&mut net).await;
}

#[tokio::test]
async fn push_oracle_updates_need_a_positive_later_price_from_the_authority() {
    let mut net = localnet().await;
    let btc = create_market(&mut net, default_layout("BTC-PERP"), default_config, 1_000).await;
    let last = push_oracle(&mut net, &btc).await;
    let now = last.publish_time + 5;
    net.set_unix_time(now).await.unwrap();
    let authority = btc.oracle_authority.insecure_clone();
    let before = snapshot(&mut net, &[btc.oracle, btc.address]).await;
    let update = |price: i64, publish_time: i64| {
        instructions::update_push_oracle(&authority.pubkey(), &btc.oracle, price, 0, publish_time)
    };

    let cases = [
        ("zero price", update(0, now), PerpError::NonPositiveOraclePrice),
        ("negative price", update(-1_000 * PRICE as i64, now), PerpError::NonPositiveOraclePrice),
        ("i64::MIN price", update(i64::MIN, now), PerpError::NonPositiveOraclePrice),
        (
            "same publish time",
            update(1_001 * PRICE as i64, last.publish_time),
            PerpError::OraclePublishTimeNotIncreasing,
        ),
        (
            "earlier publish time",
            update(1_001 * PRICE as i64, last.publish_time - 1),
            PerpError::OraclePublishTimeNotIncreasing,
        ),
        // Milliseconds by mistake, or a clock ahead: staleness would be off, later refreshes locked.
        ("an hour ahead of the clock", update(1_001 * PRICE as i64, now + 3_600), PerpError::OraclePublishTimeInFuture),
        ("milliseconds", update(1_001 * PRICE as i64, now * 1_000), PerpError::OraclePublishTimeInFuture),
        (
            "just past the allowed skew",
            update(1_001 * PRICE as i64, now + perp::state::MAX_ORACLE_CLOCK_SKEW_SECS + 1),
            PerpError::OraclePublishTimeInFuture,
        ),
    ];
    for (what, ix, expected) in cases {
        let result = net.send(&[ix], &[&authority]).await;
        assert_eq!(custom_code(&result), Some(u32::from(expected)), "{what}: expected {expected:?}, got {result:?}");
        assert_eq!(snapshot(&mut net, &[btc.oracle, btc.address]).await, before, "{what}");
    }
    // Someone else signing, even the exchange admin.
    let mallory = net.funded_keypair().await.unwrap();
    let admin = net.admin.insecure_clone();
    for signer in [&mallory, &admin] {
        let ix = instructions::update_push_oracle(&signer.pubkey(), &btc.oracle, 2_000 * PRICE as i64, 0, now);
        assert_perp_error(net.send(&[ix], &[signer]).await, PerpError::NotOracleAuthority);
    }
    assert_eq!(snapshot(&mut net, &[btc.oracle, btc.address]).await, before);

    // The authority, with a positive price and a later time.
    net.send(&[update(1_001 * PRICE as i64, now)], &[&authority]).await.unwrap();
    let o = push_oracle(&mut net, &btc).await;
    assert_eq!((o.price, o.publish_time), (1_001 * PRICE as i64, now));
    net.send(&[instructions::refresh_oracle(&btc.address, &btc.oracle)], &[]).await.unwrap();
    assert_eq!(header(&mut net, &btc.address).await.oracle_price, 1_001 * PRICE);
}

#[tokio::test]
async fn a_wide_confidence_interval_is_refused() {
    let mut net = localnet().await;
    // 1% maximum confidence (the default 10,000 ppm).
    let btc = create_market(&mut net, default_layout("BTC-PERP"), default_config, 1_000).await;
    assert_eq!(header(&mut net, &btc.address).await.oracle_max_conf_ppm, 10_000);
    push_price(&mut net, &btc, 1_000 * PRICE, 10 * PRICE + 1).await.unwrap();
    let before = snapshot(&mut net, &[btc.address]).await;
    let r = refresh(&mut net, &btc.address, &btc.oracle, 1).await;
    assert_rejected_unchanged(&mut net, &[btc.address], &before, r, PerpError::OracleConfidenceTooWide).await;
    // Orders price the market the same way.
    let alice = funded_trader(&mut net, 1_000).await;
    let r = order(&mut net, &alice, &btc, limit(Buy, 990, 10, 1)).await;
    assert_perp_error(r, PerpError::OracleConfidenceTooWide);
    // Exactly 1% is accepted.
    push_price(&mut net, &btc, 1_000 * PRICE, 10 * PRICE).await.unwrap();
    refresh(&mut net, &btc.address, &btc.oracle, 2).await.unwrap();
    order(&mut net, &alice, &btc, limit(Buy, 990, 10, 2)).await.unwrap();
}

#[tokio::test]
async fn a_new_oracle_is_not_held_back_by_the_old_ones_publish_time() {
    let mut net = localnet().await;
    let btc = create_market(&mut net, default_layout("BTC-PERP"), default_config, 1_000).await;
    // The market caches its oracle's publish time; a second oracle published earlier.
    let other = create_market(&mut net, default_layout("ETH-PERP"), default_config, 1_000).await;
    let now = net.clock().await.unwrap().unix_timestamp;
    net.set_unix_time(now + 10).await.unwrap();
    move_price(&mut net, &btc, 1_001).await;
    let cached = header(&mut net, &btc.address).await.oracle_publish_time;
    let other_time = net.program_account::<perp::state::PushOracle>(&other.oracle).await.unwrap().unwrap().publish_time;
    assert!(other_time < cached);
    // The admin points the market at the other oracle (timelocked: announced, applied a day
    // later): the cached publish time is reset, so the other oracle's clock is the one that counts.
    let admin = net.admin.insecure_clone();
    let config = default_config(other.oracle);
    let day = perp::state::MIN_MARKET_UPDATE_DELAY_SECS;
    let ix =
        instructions::announce_market_update(&admin.pubkey(), &btc.address, config, perp::MarketStatus::Active, day);
    net.send(&[ix], &[&admin]).await.unwrap();
    net.set_unix_time(now + 10 + i64::from(day)).await.unwrap();
    net.send(&[instructions::apply_market_update(&admin.pubkey(), &btc.address)], &[]).await.unwrap();
    assert_eq!(header(&mut net, &btc.address).await.oracle_publish_time, 0);
    move_price(&mut net, &other, 1_000).await;
    let pushed = net.program_account::<perp::state::PushOracle>(&other.oracle).await.unwrap().unwrap().publish_time;
    net.send(&[instructions::refresh_oracle(&btc.address, &other.oracle)], &[]).await.unwrap();
    let h = header(&mut net, &btc.address).await;
    assert_eq!((h.oracle, h.oracle_publish_time), (other.oracle, pushed));
    // The old oracle's (newer) times no longer reach the market.
    assert_perp_error(
        net.send(&[instructions::refresh_oracle(&btc.address, &btc.oracle)], &[]).await,
        PerpError::ForeignOracle,
    );
}
