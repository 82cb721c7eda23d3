//! The fill cap per taker order.
use super::*;

#[tokio::test]
async fn a_taker_order_fills_at_most_the_cap_and_the_rest_follows_its_type() {
    const CAP: u64 = perp::engine::orders::MAX_FILLS_PER_ORDER as u64;
    const EXTRA: u64 = 6;
    let mut net = localnet().await;
    let layout = MarketLayout { order_capacity: 128, ..default_layout("BTC-PERP") };
    let btc = create_market(&mut net, layout, default_config, 1_000).await;
    // CAP + 6 one-lot asks at 1,000 (1 quote each): CAP from the first maker, 6 from the second.
    let makers = [funded_trader(&mut net, 1_000).await, funded_trader(&mut net, 1_000).await];
    let mut id = 0u64;
    for (m, count) in makers.iter().zip([CAP, EXTRA]) {
        for _ in 0..count {
            id += 1;
            order(&mut net, m, &btc, limit(Sell, 1_000, 1, id)).await.unwrap();
        }
    }
    assert_eq!(u64::from(header(&mut net, &btc.address).await.asks.count), CAP + EXTRA);
    let ioc_taker = funded_trader(&mut net, 1_000).await;
    let limit_taker = funded_trader(&mut net, 1_000).await;

    // IOC: CAP fills, the other 6 lots cancelled.
    let out = order_logs(&mut net, &ioc_taker, &btc, ioc(Buy, 1_000, CAP + EXTRA, 1_000)).await;
    let fills = events::decode::<OrderFilled>(&out.logs);
    assert_eq!(fills.len() as u64, CAP);
    assert!(fills.iter().all(|f| f.base_lots == 1 && f.price == 1_000 * PRICE));
    // Time priority: the first maker's orders.
    assert!(fills.iter().all(|f| f.maker == makers[0].trader()));
    let placed = &events::decode::<OrderPlaced>(&out.logs)[0];
    assert_eq!((placed.filled_lots, placed.rested_lots), (CAP, 0));
    let s = seat(&mut net, &btc.address, &ioc_taker).await.unwrap();
    assert_eq!((s.base_lots as u64, s.order_count, s.open_bid_lots), (CAP, 0, 0));
    assert_eq!(u64::from(header(&mut net, &btc.address).await.asks.count), EXTRA);

    // The first maker quotes CAP more.
    for _ in 0..CAP {
        id += 1;
        order(&mut net, &makers[0], &btc, limit(Sell, 1_000, 1, id)).await.unwrap();
    }
    // Limit: CAP fills (the second maker's 6 oldest first). The other 6 lots would still cross
    // the 6 asks left at 1,000: a resting order never crosses the book, so they are cancelled.
    let out = order_logs(&mut net, &limit_taker, &btc, limit(Buy, 1_000, CAP + EXTRA, 2_000)).await;
    let fills = events::decode::<OrderFilled>(&out.logs);
    assert_eq!(fills.len() as u64, CAP);
    assert!(fills[..EXTRA as usize].iter().all(|f| f.maker == makers[1].trader()), "the oldest asks first");
    let placed = &events::decode::<OrderPlaced>(&out.logs)[0];
    assert_eq!((placed.filled_lots, placed.rested_lots), (CAP, 0));
    let s = seat(&mut net, &btc.address, &limit_taker).await.unwrap();
    assert_eq!((s.base_lots as u64, s.order_count, s.open_bid_lots), (CAP, 0, 0));
    let h = header(&mut net, &btc.address).await;
    assert_eq!((u64::from(h.asks.count), h.bids.count, h.open_interest_lots), (EXTRA, 0, 2 * CAP));
    // A limit bid below the asks rests as usual.
    let out = order_logs(&mut net, &limit_taker, &btc, limit(Buy, 999, 4, 2_001)).await;
    assert_eq!(events::decode::<OrderPlaced>(&out.logs)[0].rested_lots, 4);
    let ix = instructions::cancel_all_orders(&limit_taker.owner.pubkey(), 0, &btc.address);
    net.send(&[ix], &[&limit_taker.owner]).await.unwrap();

    // A market order past the cap cancels the rest, like IOC. The second maker refills the book.
    for _ in 0..CAP {
        id += 1;
        order(&mut net, &makers[1], &btc, limit(Sell, 1_000, 1, id)).await.unwrap();
    }
    assert_eq!(u64::from(header(&mut net, &btc.address).await.asks.count), CAP + EXTRA);
    let market_buy = OrderParams { order_type: OrderType::Market, ..limit(Buy, 1_000, CAP + EXTRA, 3_000) };
    let out = order_logs(&mut net, &ioc_taker, &btc, market_buy).await;
    assert_eq!(events::decode::<OrderFilled>(&out.logs).len() as u64, CAP);
    let placed = &events::decode::<OrderPlaced>(&out.logs)[0];
    assert_eq!((placed.filled_lots, placed.rested_lots), (CAP, 0));
    let s = seat(&mut net, &btc.address, &ioc_taker).await.unwrap();
    assert_eq!((s.base_lots as u64, s.order_count), (2 * CAP, 0));
    let h = header(&mut net, &btc.address).await;
    assert_eq!((u64::from(h.asks.count), h.bids.count, h.open_interest_lots), (EXTRA, 0, 3 * CAP));

    let mut all: Vec<&Wallet> = makers.iter().collect();
    all.extend([&ioc_taker, &limit_taker]);
    assert_money_rules(&mut net).await;
}
