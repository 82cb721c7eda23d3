//! Pause, margin, maintenance.
use super::*;

#[tokio::test]
async fn paused_trading_rejects_new_risk_but_not_reduce_only_orders() {
    let mut net = localnet().await;
    let btc = create_market(&mut net, default_layout("BTC-PERP"), default_config, 1_000).await;
    let maker = funded_trader(&mut net, 10_000).await;
    let long = funded_trader(&mut net, 1_000).await;
    let newcomer = funded_trader(&mut net, 1_000).await;
    order(&mut net, &maker, &btc, limit(Sell, 1_000, 10, 1)).await.unwrap();
    order(&mut net, &maker, &btc, limit(Buy, 999, 10, 2)).await.unwrap();
    order(&mut net, &long, &btc, ioc(Buy, 1_000, 10, 3)).await.unwrap();

    let admin = net.admin.insecure_clone();
    net.send(&[instructions::set_pause_flags(&admin.pubkey(), PAUSE_TRADING)], &[&admin]).await.unwrap();

    let all = [&maker, &long, &newcomer];
    let addresses = watched(&all, &[btc.address]);
    let before = snapshot(&mut net, &addresses).await;
    let r = order(&mut net, &long, &btc, limit(Buy, 995, 10, 4)).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::TradingPaused).await;
    let r = order(&mut net, &newcomer, &btc, limit(Sell, 1_005, 10, 5)).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::TradingPaused).await;
    let r = order(&mut net, &maker, &btc, limit(Sell, 1_001, 10, 6)).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::TradingPaused).await;

    // Reduce-only still works: the long sells half of its position into the maker's bid.
    order(&mut net, &long, &btc, reduce_ioc(Sell, 999, 5, 7)).await.unwrap();
    assert_eq!(seat(&mut net, &btc.address, &long).await.unwrap().base_lots, 5);
    // Cancelling is not trading either.
    net.send(&[instructions::cancel_order(&maker.owner.pubkey(), 0, &btc.address, 2)], &[&maker.owner]).await.unwrap();
    assert_money_rules(&mut net).await;

    // Unpaused, new risk is back.
    net.send(&[instructions::set_pause_flags(&admin.pubkey(), 0)], &[&admin]).await.unwrap();
    order(&mut net, &newcomer, &btc, limit(Sell, 1_005, 10, 8)).await.unwrap();
    assert_money_rules(&mut net).await;
}

#[tokio::test]
async fn an_order_needs_initial_margin_to_the_unit() {
    let mut net = localnet().await;
    let btc = create_market(&mut net, default_layout("BTC-PERP"), default_config, 1_000).await;
    // 100 quote: 99 of collateral once the 1-quote seat deposit is paid, plus the deposit itself.
    let alice = funded_trader(&mut net, 100).await;
    let addresses = watched(&[&alice], &[btc.address]);
    let before = snapshot(&mut net, &addresses).await;

    // 1,001 lots at 1,000 is 1,001 quote of notional: 10% is 100.1 > 100.
    let r = order(&mut net, &alice, &btc, limit(Buy, 1_000, 1_001, 1)).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::InsufficientMargin).await;
    // Far too large, on the ask side.
    let r = order(&mut net, &alice, &btc, limit(Sell, 1_000, 50_000, 2)).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::InsufficientMargin).await;
    // A bid above the oracle also reserves what it would lose at once: 1,000 lots at 1,001 need
    // 100 of initial margin at the oracle plus the 1 quote they would lose at once.
    let r = order(&mut net, &alice, &btc, limit(Buy, 1_001, 1_000, 3)).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::InsufficientMargin).await;
    assert_eq!(collateral(&mut net, &alice).await, 100 * QUOTE);

    // Exactly at initial margin is enough.
    order(&mut net, &alice, &btc, limit(Buy, 1_000, 1_000, 4)).await.unwrap();
    let r = risk(&mut net, &alice).await;
    assert_eq!((r.initial, r.margin_equity), (100 * QUOTE, 100 * QUOTE as i64));
    assert_money_rules(&mut net).await;
}

#[tokio::test]
async fn below_maintenance_an_account_may_only_cancel_and_deposit() {
    let mut net = localnet().await;
    let btc = create_market(&mut net, default_layout("BTC-PERP"), default_config, 1_000).await;
    let maker = funded_trader(&mut net, 100_000).await;
    let alice = funded_trader(&mut net, 100).await;
    order(&mut net, &maker, &btc, limit(Sell, 1_000, 800, 1)).await.unwrap();
    order(&mut net, &alice, &btc, ioc(Buy, 1_000, 800, 2)).await.unwrap();
    order(&mut net, &alice, &btc, limit(Buy, 990, 10, 3)).await.unwrap();

    // 1,000 -> 880: 800 lots lose 96; equity 100 - 0.40 fee - 96 = 3.60 < 5% of 704 = 35.20.
    move_price(&mut net, &btc, 880).await;
    let r = risk(&mut net, &alice).await;
    assert_eq!((r.equity, r.maintenance), (3_600_000, 35_200_000));

    let all = [&maker, &alice];
    let addresses = watched(&all, &[btc.address]);
    let before = snapshot(&mut net, &addresses).await;
    let r = order(&mut net, &alice, &btc, limit(Buy, 880, 10, 4)).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::BelowMaintenance).await;
    // Not even an order that would reduce: the account waits for liquidation.
    let r = order(&mut net, &alice, &btc, reduce_ioc(Sell, 880, 100, 5)).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::BelowMaintenance).await;
    // Nothing is withdrawable either.
    let r = withdraw(&mut net, &alice, 1).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::InsufficientCollateral).await;

    // Cancelling works and releases the bid's reservation.
    net.send(&[instructions::cancel_order(&alice.owner.pubkey(), 0, &btc.address, 3)], &[&alice.owner]).await.unwrap();
    let s = seat(&mut net, &btc.address, &alice).await.unwrap();
    assert_eq!((s.order_count, s.open_bid_lots, s.open_bid_notional, s.base_lots), (0, 0, 0, 800));
    // Depositing works (still below maintenance after it, so orders stay refused).
    let before_deposit = collateral(&mut net, &alice).await;
    net.mint_to(&alice.token_account, 10 * QUOTE).await.unwrap();
    deposit(&mut net, &alice, 10 * QUOTE).await.unwrap();
    assert_eq!(collateral(&mut net, &alice).await, before_deposit + 10 * QUOTE);
    assert_eq!(risk(&mut net, &alice).await.equity, 13_600_000);
    assert_perp_error(order(&mut net, &alice, &btc, limit(Buy, 880, 10, 6)).await, PerpError::BelowMaintenance);
    assert_money_rules(&mut net).await;
}
