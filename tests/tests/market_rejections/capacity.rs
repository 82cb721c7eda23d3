//! Seats, open orders, book sides, open interest.
use super::*;

#[tokio::test]
async fn a_full_seat_table_refuses_newcomers_until_a_seat_is_released() {
    let mut net = localnet().await;
    let layout = MarketLayout { seat_capacity: 2, ..default_layout("BTC-PERP") };
    let btc = create_market(&mut net, layout, default_config, 1_000).await;
    let alice = funded_trader(&mut net, 100).await;
    let bob = funded_trader(&mut net, 100).await;
    let carol = funded_trader(&mut net, 100).await;
    order(&mut net, &alice, &btc, limit(Buy, 990, 10, 1)).await.unwrap();
    order(&mut net, &bob, &btc, limit(Sell, 1_010, 10, 2)).await.unwrap();
    let h = header(&mut net, &btc.address).await;
    assert_eq!((h.seat_count, h.sum_seat_deposits), (2, 2 * QUOTE));

    let all = [&alice, &bob, &carol];
    let addresses = watched(&all, &[btc.address]);
    let before = snapshot(&mut net, &addresses).await;
    let r = order(&mut net, &carol, &btc, limit(Buy, 995, 10, 3)).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::SeatTableFull).await;
    let r = order(&mut net, &carol, &btc, ioc(Buy, 1_010, 10, 4)).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::SeatTableFull).await;
    assert_eq!(collateral(&mut net, &carol).await, 100 * QUOTE, "no seat, no deposit paid");

    // Alice cancels her only order: flat, orderless and settled, so her seat goes and its
    // deposit comes back.
    let alice_seat = market_data(&mut net, &btc.address).await.seat_of(&alice.trader()).unwrap().unwrap().0;
    let ix = instructions::cancel_all_orders(&alice.owner.pubkey(), 0, &btc.address);
    let out = Chain::send(&mut net, &[ix], &[&alice.owner]).await.unwrap();
    let released = events::decode::<SeatReleased>(&out.logs);
    assert_eq!(released.len(), 1);
    assert_eq!((released[0].trader, released[0].seat, released[0].deposit), (alice.trader(), alice_seat, QUOTE));
    assert!(seat(&mut net, &btc.address, &alice).await.is_none());
    assert_eq!(collateral(&mut net, &alice).await, 100 * QUOTE);
    let t = net.trader(&alice.owner.pubkey(), 0).await.unwrap().unwrap();
    assert_eq!(t.active_markets().count(), 0);
    assert_eq!(header(&mut net, &btc.address).await.seat_count, 1);
    assert_money_rules(&mut net).await;

    // Carol now gets the released seat.
    let out = order_logs(&mut net, &carol, &btc, limit(Buy, 995, 10, 5)).await;
    let claimed = events::decode::<SeatClaimed>(&out.logs);
    assert_eq!((claimed[0].trader, claimed[0].seat, claimed[0].deposit), (carol.trader(), alice_seat, QUOTE));
    // ... and the table is full again for Alice.
    assert_perp_error(order(&mut net, &alice, &btc, limit(Buy, 990, 10, 6)).await, PerpError::SeatTableFull);
    assert_money_rules(&mut net).await;
}

#[tokio::test]
async fn a_trader_rests_at_most_32_orders_in_a_market() {
    let mut net = localnet().await;
    let btc = create_market(&mut net, default_layout("BTC-PERP"), default_config, 1_000).await;
    let alice = funded_trader(&mut net, 1_000).await;
    let maker = funded_trader(&mut net, 1_000).await;
    for i in 0..32u64 {
        order(&mut net, &alice, &btc, limit(Buy, 999 - i, 2, i)).await.unwrap();
    }
    assert_eq!(seat(&mut net, &btc.address, &alice).await.unwrap().order_count, 32);
    order(&mut net, &maker, &btc, limit(Sell, 1_000, 2, 100)).await.unwrap();

    let all = [&alice, &maker];
    let addresses = watched(&all, &[btc.address]);
    let before = snapshot(&mut net, &addresses).await;
    let r = order(&mut net, &alice, &btc, limit(Buy, 950, 2, 32)).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::TooManyOpenOrders).await;
    let r = order(&mut net, &alice, &btc, limit(Sell, 1_050, 2, 33)).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::TooManyOpenOrders).await;
    // A limit order that would fill part and rest the rest cannot rest it either (all reverts).
    let r = order(&mut net, &alice, &btc, limit(Buy, 1_000, 4, 34)).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::TooManyOpenOrders).await;

    // An order that rests nothing is fine at 32.
    order(&mut net, &alice, &btc, ioc(Buy, 1_000, 2, 35)).await.unwrap();
    assert_eq!(seat(&mut net, &btc.address, &alice).await.unwrap().base_lots, 2);
    // So is resting again once one is cancelled.
    net.send(&[instructions::cancel_order(&alice.owner.pubkey(), 0, &btc.address, 0)], &[&alice.owner]).await.unwrap();
    order(&mut net, &alice, &btc, limit(Buy, 950, 2, 36)).await.unwrap();
    assert_eq!(seat(&mut net, &btc.address, &alice).await.unwrap().order_count, 32);
    assert_money_rules(&mut net).await;
}

#[tokio::test]
async fn a_full_book_side_takes_only_a_better_price_which_evicts_the_worst() {
    let mut net = localnet().await;
    let layout = MarketLayout { order_capacity: 4, ..default_layout("BTC-PERP") };
    let btc = create_market(&mut net, layout, default_config, 1_000).await;
    let worst = funded_trader(&mut net, 1_000).await;
    let others = funded_trader(&mut net, 1_000).await;
    let newcomer = funded_trader(&mut net, 1_000).await;
    order(&mut net, &worst, &btc, limit(Buy, 995, 2, 1)).await.unwrap();
    for (i, price) in [996, 997, 998].into_iter().enumerate() {
        order(&mut net, &others, &btc, limit(Buy, price, 2, 10 + i as u64)).await.unwrap();
    }
    // The ask side is independent: one ask rests there.
    order(&mut net, &others, &btc, limit(Sell, 1_005, 2, 20)).await.unwrap();
    assert_eq!(header(&mut net, &btc.address).await.bids.count, 4);
    assert!(risk(&mut net, &worst).await.initial > 0);

    let all = [&worst, &others, &newcomer];
    let addresses = watched(&all, &[btc.address]);
    let before = snapshot(&mut net, &addresses).await;
    // Equal to the worst price does not beat it; worse certainly not.
    let r = order(&mut net, &newcomer, &btc, limit(Buy, 995, 2, 30)).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::BookSideFull).await;
    let r = order(&mut net, &newcomer, &btc, limit(Buy, 990, 2, 31)).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::BookSideFull).await;
    let r = order(&mut net, &others, &btc, limit(Buy, 994, 2, 32)).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::BookSideFull).await;

    // A better bid evicts the worst one, and says so.
    let out = order_logs(&mut net, &newcomer, &btc, limit(Buy, 999, 2, 33)).await;
    let cancels = events::decode::<OrderCancelled>(&out.logs);
    assert_eq!(cancels.len(), 1);
    let c = &cancels[0];
    assert_eq!(
        (c.trader, c.client_order_id, c.price, c.base_lots, c.reason),
        (worst.trader(), 1, 995 * PRICE, 2, CancelReason::Evicted)
    );
    assert!(events::decode::<OrderFilled>(&out.logs).is_empty());
    // The evicted owner's reservation is released at once.
    let s = seat(&mut net, &btc.address, &worst).await.unwrap();
    assert_eq!((s.order_count, s.open_bid_lots, s.open_bid_notional), (0, 0, 0));
    assert_eq!(risk(&mut net, &worst).await.initial, 0);
    let h = header(&mut net, &btc.address).await;
    assert_eq!((h.bids.count, h.asks.count), (4, 1));
    assert_eq!(seat(&mut net, &btc.address, &newcomer).await.unwrap().open_bid_lots, 2);
    assert_money_rules(&mut net).await;

    // The evicted trader's next touch (here the permissionless settle) releases its now empty
    // seat and returns its deposit.
    let ix = instructions::settle_funding(&worst.trader(), &[btc.address]);
    let out = Chain::send(&mut net, &[ix], &[]).await.unwrap();
    let released = events::decode::<SeatReleased>(&out.logs);
    assert_eq!((released.len(), released[0].trader, released[0].deposit), (1, worst.trader(), QUOTE));
    assert!(seat(&mut net, &btc.address, &worst).await.is_none());
    assert_eq!(collateral(&mut net, &worst).await, 1_000 * QUOTE);
    assert_money_rules(&mut net).await;
}

#[tokio::test]
async fn the_open_interest_cap_stops_orders_that_raise_it() {
    let mut net = localnet().await;
    let config = |oracle| MarketConfig { max_open_interest_lots: 100, ..default_config(oracle) };
    let btc = create_market(&mut net, default_layout("BTC-PERP"), config, 1_000).await;
    let maker = funded_trader(&mut net, 10_000).await;
    let a = funded_trader(&mut net, 1_000).await;
    let b = funded_trader(&mut net, 1_000).await;
    order(&mut net, &maker, &btc, limit(Sell, 1_000, 150, 1)).await.unwrap();
    order(&mut net, &maker, &btc, limit(Buy, 999, 20, 2)).await.unwrap();

    let all = [&maker, &a, &b];
    let addresses = watched(&all, &[btc.address]);
    let before = snapshot(&mut net, &addresses).await;
    let r = order(&mut net, &a, &btc, ioc(Buy, 1_000, 101, 3)).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::OpenInterestCap).await;

    order(&mut net, &a, &btc, ioc(Buy, 1_000, 100, 4)).await.unwrap();
    assert_eq!(header(&mut net, &btc.address).await.open_interest_lots, 100);
    let before = snapshot(&mut net, &addresses).await;
    let r = order(&mut net, &b, &btc, ioc(Buy, 1_000, 1, 5)).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::OpenInterestCap).await;
    // A limit order that crosses is refused as well, even though part of it would rest.
    let r = order(&mut net, &b, &btc, limit(Buy, 1_000, 10, 6)).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::OpenInterestCap).await;
    // Resting orders add no open interest.
    order(&mut net, &b, &btc, limit(Buy, 990, 10, 7)).await.unwrap();

    // Reducing is always fine; after it, there is room again, up to the cap.
    order(&mut net, &a, &btc, ioc(Sell, 999, 10, 8)).await.unwrap();
    assert_eq!(header(&mut net, &btc.address).await.open_interest_lots, 90);
    order(&mut net, &b, &btc, ioc(Buy, 1_000, 10, 9)).await.unwrap();
    assert_eq!(header(&mut net, &btc.address).await.open_interest_lots, 100);
    assert_perp_error(order(&mut net, &b, &btc, ioc(Buy, 1_000, 1, 10)).await, PerpError::OpenInterestCap);
    assert_money_rules(&mut net).await;
}
