//! Trading on the in-process validator: fills settle makers in place, order types, bands, seats.
use perp::engine::orders::{OrderSide::*, OrderType};
use perp::error::PerpError;
use perp::events::{OrderCancelled, OrderFilled};
use perp_client::chain::Chain;
use perp_client::{events, instructions};
use perp_tests::*;
use solana_sdk::signature::Signer;

#[tokio::test]
async fn seed_toy_trade() {
    let mut net = localnet().await;
    let btc = create_market(&mut net, default_layout("BTC-PERP"), default_config, 86_000).await;
    let maker = funded_trader(&mut net, 100_000).await;
    let retail = funded_trader(&mut net, 8_600).await;

    order(&mut net, &maker, &btc, limit(Sell, 86_000, 100, 1)).await.unwrap();
    let market_buy = perp::OrderParams {
        side: Buy,
        order_type: OrderType::Market,
        price: 87_000 * PRICE,
        base_lots: 100,
        reduce_only: false,
        client_order_id: 2,
    };
    let set = margin_set(&mut net, &retail, Some(&btc.address)).await;
    let ix = instructions::place_order(&retail.owner.pubkey(), 0, &btc.address, &btc.oracle, market_buy, &set);
    let outcome = Chain::send(&mut net, &[ix], &[&retail.owner]).await.unwrap();
    let fills = events::decode::<OrderFilled>(&outcome.logs);
    assert_eq!(fills.len(), 1);
    let fill = &fills[0];
    assert_eq!(
        (fill.price, fill.base, fill.taker_fee, fill.maker_fee),
        (86_000 * PRICE, BASE / 10, 4_300_000, 1_720_000)
    );
    assert_eq!((fill.maker, fill.taker), (maker.trader(), retail.trader()));

    // Retail paid its fee from collateral at once: 8,600 - 1 (seat deposit) - 4.30.
    let t = net.trader(&retail.owner.pubkey(), 0).await.unwrap().unwrap();
    assert_eq!(t.collateral, 8_600 * QUOTE - QUOTE - 4_300_000);
    // The maker's fee waits in its seat until its trader account is touched.
    let maker_seat = seat(&mut net, &btc.address, &maker).await.unwrap();
    assert_eq!((maker_seat.base_lots, maker_seat.unsettled_quote), (-100, -1_720_000));

    move_price(&mut net, &btc, 90_000).await;
    let r = risk(&mut net, &retail).await;
    let m = risk(&mut net, &maker).await;
    // Equity up 400 less the fee; the maker's down the same (it paid 1.72).
    assert_eq!(r.equity, (8_600 * QUOTE + 400 * QUOTE - 4_300_000) as i64);
    assert_eq!(m.equity, (100_000 * QUOTE - 400 * QUOTE - 1_720_000) as i64);
    // 10% initial on 9,000 of notional; unrealized profit does not count as margin.
    assert_eq!((r.maintenance, r.initial), (450 * QUOTE, 900 * QUOTE));
    assert_eq!(r.margin_equity, (8_600 * QUOTE - 4_300_000) as i64);
    assert_money_rules(&mut net).await;

    // The maker's fee moves into its collateral at its next deposit.
    let watched = [maker.trader(), maker.token_account, perp_client::pda::vault()];
    let before = snapshot(&mut net, &watched).await;
    assert_perp_error(deposit(&mut net, &maker, 0).await, PerpError::ZeroAmount);
    assert_eq!(snapshot(&mut net, &watched).await, before, "a zero deposit changes nothing");
    net.mint_to(&maker.token_account, QUOTE).await.unwrap();
    deposit(&mut net, &maker, QUOTE).await.unwrap();
    let t = net.trader(&maker.owner.pubkey(), 0).await.unwrap().unwrap();
    assert_eq!(t.collateral, 100_000 * QUOTE - QUOTE - 1_720_000 + QUOTE);
    assert_eq!(seat(&mut net, &btc.address, &maker).await.unwrap().unsettled_quote, 0);
    assert_money_rules(&mut net).await;
}

#[tokio::test]
async fn one_taker_sweeps_ten_makers_at_several_prices() {
    let mut net = localnet().await;
    let btc = create_market(&mut net, default_layout("BTC-PERP"), default_config, 86_000).await;
    let mut makers = Vec::new();
    for i in 0..10u64 {
        let m = funded_trader(&mut net, 10_000).await;
        order(&mut net, &m, &btc, limit(Sell, 86_000 + i * 10, 5, i)).await.unwrap();
        makers.push(m);
    }
    let taker = funded_trader(&mut net, 50_000).await;
    let set = margin_set(&mut net, &taker, Some(&btc.address)).await;
    let ix = instructions::place_order(
        &taker.owner.pubkey(),
        0,
        &btc.address,
        &btc.oracle,
        limit(Buy, 86_100, 50, 99),
        &set,
    );
    let outcome = Chain::send(&mut net, &[ix], &[&taker.owner]).await.unwrap();
    let fills = events::decode::<OrderFilled>(&outcome.logs);
    assert_eq!(fills.len(), 10);
    // Price-time priority: cheapest first.
    let prices: Vec<u64> = fills.iter().map(|f| f.price / PRICE).collect();
    assert_eq!(prices, (0..10).map(|i| 86_000 + i * 10).collect::<Vec<_>>());
    for (i, m) in makers.iter().enumerate() {
        let s = seat(&mut net, &btc.address, m).await.unwrap();
        let notional = 5 * (86_000 + i as u64 * 10) * QUOTE / 1000;
        assert_eq!((s.base_lots, s.quote_entry, s.order_count), (-5, notional as i64, 0));
        assert_eq!(s.unsettled_quote, -((notional * 200).div_ceil(1_000_000) as i64), "maker fee, rounded up");
    }
    assert_eq!(seat(&mut net, &btc.address, &taker).await.unwrap().base_lots, 50);
    let mut keys: Vec<_> = makers.iter().map(|m| m.key()).collect();
    keys.push(taker.key());
    assert_money_rules(&mut net).await;
}

#[tokio::test]
async fn order_types_and_their_rejections() {
    let mut net = localnet().await;
    let btc = create_market(&mut net, default_layout("BTC-PERP"), default_config, 100).await;
    let alice = funded_trader(&mut net, 10_000).await;
    let bob = funded_trader(&mut net, 10_000).await;
    order(&mut net, &alice, &btc, limit(Sell, 101, 10, 1)).await.unwrap();

    // Post-only that would take is rejected; one that does not cross rests.
    let post = |price, id| perp::OrderParams { order_type: OrderType::PostOnly, ..limit(Buy, price, 10, id) };
    assert_perp_error(order(&mut net, &bob, &btc, post(101, 2)).await, PerpError::PostOnlyWouldCross);
    order(&mut net, &bob, &btc, post(100, 3)).await.unwrap();
    assert_eq!(seat(&mut net, &btc.address, &bob).await.unwrap().open_bid_lots, 10);

    // IOC takes what crosses and cancels the rest.
    let ioc = perp::OrderParams { order_type: OrderType::ImmediateOrCancel, ..limit(Buy, 101, 15, 4) };
    order(&mut net, &bob, &btc, ioc).await.unwrap();
    let s = seat(&mut net, &btc.address, &bob).await.unwrap();
    assert_eq!((s.base_lots, s.open_bid_lots), (10, 10));

    // Reduce-only: may not grow or flip.
    let reduce = |side, lots, id| perp::OrderParams {
        reduce_only: true,
        order_type: OrderType::ImmediateOrCancel,
        ..limit(side, 100, lots, id)
    };
    assert_perp_error(order(&mut net, &bob, &btc, reduce(Buy, 10, 5)).await, PerpError::ReduceOnlyViolation);
    assert_perp_error(order(&mut net, &bob, &btc, reduce(Sell, 11, 6)).await, PerpError::ReduceOnlyViolation);

    // Bands, ticks, sizes, minimum notional.
    assert_perp_error(order(&mut net, &bob, &btc, limit(Buy, 111, 10, 7)).await, PerpError::PriceOutsideBand);
    assert_perp_error(order(&mut net, &bob, &btc, limit(Buy, 89, 10, 7)).await, PerpError::PriceOutsideBand);
    let off_tick = perp::OrderParams { price: 100 * PRICE + 1, ..limit(Buy, 100, 10, 7) };
    assert_perp_error(order(&mut net, &bob, &btc, off_tick).await, PerpError::PriceNotOnTick);
    assert_perp_error(order(&mut net, &bob, &btc, limit(Buy, 100, 0, 7)).await, PerpError::InvalidOrderSize);
    assert_perp_error(order(&mut net, &bob, &btc, limit(Buy, 100, 9, 7)).await, PerpError::OrderBelowMinNotional);
    let market_no_worst = perp::OrderParams { order_type: OrderType::Market, price: 0, ..limit(Buy, 100, 10, 7) };
    assert_perp_error(order(&mut net, &bob, &btc, market_no_worst).await, PerpError::MissingWorstPrice);
    let huge = perp::OrderParams { base_lots: u64::MAX, ..limit(Buy, 100, 10, 7) };
    assert_perp_error(order(&mut net, &bob, &btc, huge).await, PerpError::InvalidOrderSize);
    let big = perp::OrderParams { base_lots: i64::MAX as u64, ..limit(Buy, 100, 10, 7) };
    // Its notional does not fit the checked math: a named overflow, not a panic.
    assert_perp_error(order(&mut net, &bob, &btc, big).await, PerpError::MathOverflow);

    // Cancel one by client id, then all.
    order(&mut net, &bob, &btc, limit(Buy, 99, 11, 8)).await.unwrap();
    net.send(&[instructions::cancel_order(&bob.owner.pubkey(), 0, &btc.address, 3)], &[&bob.owner]).await.unwrap();
    assert_perp_error(
        net.send(&[instructions::cancel_order(&bob.owner.pubkey(), 0, &btc.address, 3)], &[&bob.owner]).await,
        PerpError::OrderNotFound,
    );
    net.send(&[instructions::cancel_all_orders(&bob.owner.pubkey(), 0, &btc.address)], &[&bob.owner]).await.unwrap();
    let s = seat(&mut net, &btc.address, &bob).await.unwrap();
    assert_eq!((s.order_count, s.open_bid_lots, s.open_bid_notional), (0, 0, 0));
    assert_money_rules(&mut net).await;
}

#[tokio::test]
async fn self_trade_cancels_the_resting_order_and_fill_band_cancels_stale_ones() {
    let mut net = localnet().await;
    let btc = create_market(&mut net, default_layout("BTC-PERP"), default_config, 1_000).await;
    let alice = funded_trader(&mut net, 10_000).await;
    let bob = funded_trader(&mut net, 10_000).await;
    order(&mut net, &alice, &btc, limit(Sell, 1_040, 10, 1)).await.unwrap(); // inside 5% fill band
    order(&mut net, &alice, &btc, limit(Sell, 1_060, 10, 2)).await.unwrap(); // outside it, inside the 10% price band

    // Alice's own buy meets her ask at 1,040: it is cancelled, not filled.
    let set = margin_set(&mut net, &alice, Some(&btc.address)).await;
    let ix =
        instructions::place_order(&alice.owner.pubkey(), 0, &btc.address, &btc.oracle, limit(Buy, 1_040, 10, 3), &set);
    let out = Chain::send(&mut net, &[ix], &[&alice.owner]).await.unwrap();
    let cancels = events::decode::<OrderCancelled>(&out.logs);
    assert_eq!(cancels.len(), 1);
    assert_eq!((cancels[0].client_order_id, cancels[0].reason), (1, perp::engine::orders::CancelReason::SelfTrade));
    assert!(events::decode::<OrderFilled>(&out.logs).is_empty());

    // Bob's market buy reaches the 1,060 ask: outside the fill band, so it is cancelled.
    let buy = perp::OrderParams { order_type: OrderType::Market, ..limit(Buy, 1_070, 10, 4) };
    let set = margin_set(&mut net, &bob, Some(&btc.address)).await;
    let ix = instructions::place_order(&bob.owner.pubkey(), 0, &btc.address, &btc.oracle, buy, &set);
    let out = Chain::send(&mut net, &[ix], &[&bob.owner]).await.unwrap();
    let cancels = events::decode::<OrderCancelled>(&out.logs);
    assert_eq!(
        (cancels[0].client_order_id, cancels[0].reason),
        (2, perp::engine::orders::CancelReason::OutsideFillBand)
    );
    assert!(events::decode::<OrderFilled>(&out.logs).is_empty());
    assert_eq!(seat(&mut net, &btc.address, &alice).await.unwrap().order_count, 1); // only her bid at 1,040
    assert_money_rules(&mut net).await;
}

#[tokio::test]
async fn below_initial_margin_an_account_may_reduce_but_not_flip() {
    let mut net = localnet().await;
    let btc = create_market(&mut net, default_layout("BTC-PERP"), default_config, 1_000).await;
    let maker = funded_trader(&mut net, 10_000).await;
    let alice = funded_trader(&mut net, 60).await;
    // Alice buys 500 lots (500 quote) at 1,000: initial 10% = 50 of her 60.
    order(&mut net, &maker, &btc, limit(Sell, 1_000, 500, 1)).await.unwrap();
    let buy = perp::OrderParams { order_type: OrderType::ImmediateOrCancel, ..limit(Buy, 1_000, 500, 2) };
    order(&mut net, &alice, &btc, buy).await.unwrap();
    // At 970 she is under initial (48.5) but above maintenance (24.25): equity 60 - 0.25 - 15.
    move_price(&mut net, &btc, 970).await;
    let r = risk(&mut net, &alice).await;
    assert!(!r.meets_initial().unwrap() && !r.below_maintenance().unwrap(), "{r:?}");
    order(&mut net, &maker, &btc, limit(Buy, 970, 2_000, 3)).await.unwrap();
    let sell = |lots, id| perp::OrderParams { order_type: OrderType::ImmediateOrCancel, ..limit(Sell, 970, lots, id) };
    // Flipping to short 500 keeps the initial requirement where it was, and still adds risk.
    let before = snapshot(&mut net, &[alice.trader(), btc.address]).await;
    assert_perp_error(order(&mut net, &alice, &btc, sell(1_000, 4)).await, PerpError::InsufficientMargin);
    assert_eq!(snapshot(&mut net, &[alice.trader(), btc.address]).await, before);
    // A pure reduction is allowed.
    order(&mut net, &alice, &btc, sell(200, 5)).await.unwrap();
    assert_eq!(seat(&mut net, &btc.address, &alice).await.unwrap().base_lots, 300);
    assert_money_rules(&mut net).await;
}
