//! Holes a security review found (issue #19), each closed and tested by the attack's name: the
//! exact error, and nothing changed where the program refuses.
use perp::engine::orders::OrderSide::*;
use perp::error::PerpError;
use perp::events::{OrderCancelled, OrderFilled};
use perp::state::MarketStatus;
use perp::{MarketConfig, OrderParams, OrderType};
use perp_client::{events, instructions};
use perp_tests::*;
use solana_sdk::signature::Signer;

async fn set_status(
    net: &mut perp_localnet::localnet::Localnet,
    market: &TestMarket,
    config: MarketConfig,
    status: MarketStatus,
) {
    let admin = net.admin.insecure_clone();
    net.send(&[instructions::update_market(&admin.pubkey(), &market.address, config, status)], &[&admin])
        .await
        .unwrap();
}

fn reduce_only(params: OrderParams) -> OrderParams {
    OrderParams { reduce_only: true, ..params }
}

fn ioc(params: OrderParams) -> OrderParams {
    OrderParams { order_type: OrderType::ImmediateOrCancel, ..params }
}

/// Item 5. Below initial margin (above maintenance), a resting order bigger than the position
/// did not raise the initial requirement (the worst case of long 100 or short 100 is the same),
/// so it was accepted, and its fill would flip the account into a new position it cannot margin.
#[tokio::test]
async fn below_initial_an_account_cannot_rest_an_order_that_flips_its_position() {
    let mut net = localnet().await;
    let btc = create_market(&mut net, default_layout("BTC-PERP"), default_config, 100_000).await;
    let maker = funded_trader(&mut net, 100_000).await;
    let trader = funded_trader(&mut net, 1_100).await;
    order(&mut net, &maker, &btc, limit(Sell, 100_000, 100, 1)).await.unwrap();
    order(&mut net, &trader, &btc, limit(Buy, 100_000, 100, 2)).await.unwrap();
    // -5%: equity about 600 against an initial requirement of 950 and maintenance of 475.
    move_price(&mut net, &btc, 95_000).await;
    let r = risk(&mut net, &trader).await;
    assert!(!r.meets_initial().unwrap() && !r.below_maintenance().unwrap(), "{r:?}");
    let watched = [btc.address, trader.trader()];
    let before = snapshot(&mut net, &watched).await;
    let flip = limit(Sell, 99_000, 200, 3);
    assert_perp_error(order(&mut net, &trader, &btc, flip).await, PerpError::InsufficientMargin);
    assert_eq!(snapshot(&mut net, &watched).await, before);
    // An order that can only reduce is still allowed.
    order(&mut net, &trader, &btc, reduce_only(limit(Sell, 99_000, 100, 4))).await.unwrap();
}

/// Item 6. In a reduce-only market, resting orders placed before the switch could still fill:
/// a reduce-only taker closing its long would sell into a flat maker's old bid and open a long
/// for the maker. Now the maker's order fills only as far as it reduces: here it is cancelled.
#[tokio::test]
async fn in_a_reduce_only_market_an_old_resting_order_cannot_open_risk() {
    let mut net = localnet().await;
    let btc = create_market(&mut net, default_layout("BTC-PERP"), default_config, 1_000).await;
    let dealer = funded_trader(&mut net, 100_000).await;
    let flat_maker = funded_trader(&mut net, 100_000).await;
    let long = funded_trader(&mut net, 100_000).await;
    order(&mut net, &dealer, &btc, limit(Sell, 1_000, 50, 1)).await.unwrap();
    order(&mut net, &long, &btc, limit(Buy, 1_000, 50, 2)).await.unwrap();
    order(&mut net, &flat_maker, &btc, limit(Buy, 999, 50, 3)).await.unwrap();
    set_status(&mut net, &btc, default_config(btc.oracle), MarketStatus::ReduceOnly).await;
    let out = order_logs(&mut net, &long, &btc, reduce_only(ioc(limit(Sell, 990, 50, 4)))).await;
    assert!(events::decode::<OrderFilled>(&out.logs).is_empty(), "the flat maker's bid must not fill");
    let cancelled = events::decode::<OrderCancelled>(&out.logs);
    assert_eq!(cancelled.len(), 1);
    assert_eq!(cancelled[0].trader, flat_maker.trader());
    assert_eq!(seat(&mut net, &btc.address, &flat_maker).await.unwrap().base_lots, 0);
    assert_eq!(seat(&mut net, &btc.address, &long).await.unwrap().base_lots, 50);
    // The dealer, short, may still buy back: that fill reduces both sides.
    order(&mut net, &dealer, &btc, reduce_only(limit(Buy, 1_000, 50, 5))).await.unwrap();
    order(&mut net, &long, &btc, reduce_only(ioc(limit(Sell, 1_000, 50, 6)))).await.unwrap();
    assert_eq!(seat(&mut net, &btc.address, &long).await.map(|s| s.base_lots).unwrap_or(0), 0);
}

/// Item 7. The minimum order notional applied to reduce-only orders, so a position below it
/// (after the price fell) could not be closed, and in a reduce-only market its seat never
/// released. A reduce-only order closing the whole position is exempt.
#[tokio::test]
async fn a_position_below_the_minimum_notional_can_still_be_closed() {
    let mut net = localnet().await;
    let min_10 =
        |oracle| MarketConfig { min_order_notional: 10 * QUOTE, seat_deposit: 10 * QUOTE, ..default_config(oracle) };
    let btc = create_market(&mut net, default_layout("BTC-PERP"), min_10, 1_000).await;
    let maker = funded_trader(&mut net, 100_000).await;
    let small = funded_trader(&mut net, 1_000).await;
    // 10 lots at 1,000: 10 quote, the minimum. At 900 it is worth 9.
    order(&mut net, &maker, &btc, limit(Sell, 1_000, 10, 1)).await.unwrap();
    order(&mut net, &small, &btc, ioc(limit(Buy, 1_000, 10, 2))).await.unwrap();
    move_price(&mut net, &btc, 900).await;
    set_status(&mut net, &btc, min_10(btc.oracle), MarketStatus::ReduceOnly).await;
    // The short maker's bid closes its whole position too: allowed below the minimum.
    order(&mut net, &maker, &btc, reduce_only(limit(Buy, 900, 10, 3))).await.unwrap();
    // Part of the long is below the minimum and not a close: refused.
    let before = snapshot(&mut net, &[btc.address, small.trader()]).await;
    assert_perp_error(
        order(&mut net, &small, &btc, reduce_only(ioc(limit(Sell, 900, 5, 4)))).await,
        PerpError::OrderBelowMinNotional,
    );
    assert_eq!(snapshot(&mut net, &[btc.address, small.trader()]).await, before);
    // The whole position: closed, and both seats released.
    order(&mut net, &small, &btc, reduce_only(ioc(limit(Sell, 900, 10, 5)))).await.unwrap();
    // The maker's fill settles at its next touch.
    settle_logs(&mut net, &maker).await;
    for w in [&small, &maker] {
        let trader = net.trader(&w.owner.pubkey(), 0).await.unwrap().unwrap();
        assert!(trader.seat_in(&btc.address).is_none(), "the flat seat was released");
    }
}

/// Item 3. With a 1-quote seat deposit, about 11,500 of refundable margin filled the 4,096
/// seats of the localnet BTC market and locked every new trader out. A seat now costs at least
/// a minimum order in deposit, and a full table frees up only by the rules: a seat is released
/// when its trader is flat and orderless, never evicted.
#[tokio::test]
async fn filling_the_seat_table_costs_a_minimum_order_per_seat_and_frees_only_by_the_rules() {
    let mut net = localnet().await;
    let cheap =
        MarketConfig { min_order_notional: 10 * QUOTE, seat_deposit: QUOTE, ..default_config(Default::default()) };
    let key = solana_sdk::signature::Keypair::new();
    let result = create_market_account(&mut net, &key, default_layout("CHEAP-PERP"), cheap).await;
    assert_perp_error(result, PerpError::InvalidMarketLimits);
    assert!(net
        .ctx
        .banks_client
        .get_account(key.pubkey())
        .await
        .unwrap()
        .map(|a| a.data.iter().all(|b| *b == 0))
        .unwrap_or(true));

    // Two seats, both taken by traders with resting orders: a third trader is refused.
    let two_seats = perp::MarketLayout { seat_capacity: 2, ..default_layout("BTC-PERP") };
    let btc = create_market(&mut net, two_seats, default_config, 1_000).await;
    let [a, b, c] = [
        funded_trader(&mut net, 1_000).await,
        funded_trader(&mut net, 1_000).await,
        funded_trader(&mut net, 1_000).await,
    ];
    order(&mut net, &a, &btc, limit(Buy, 990, 10, 1)).await.unwrap();
    order(&mut net, &b, &btc, limit(Sell, 1_010, 10, 2)).await.unwrap();
    let watched = [btc.address, c.trader()];
    let before = snapshot(&mut net, &watched).await;
    assert_perp_error(order(&mut net, &c, &btc, limit(Buy, 991, 10, 3)).await, PerpError::SeatTableFull);
    assert_eq!(snapshot(&mut net, &watched).await, before);
    // A pulls its order: flat and orderless, its seat is released and C gets it. B keeps its own.
    net.send(&[instructions::cancel_all_orders(&a.owner.pubkey(), 0, &btc.address)], &[&a.owner]).await.unwrap();
    order(&mut net, &c, &btc, limit(Buy, 991, 10, 3)).await.unwrap();
    assert!(seat(&mut net, &btc.address, &a).await.is_none());
    assert_eq!(seat(&mut net, &btc.address, &b).await.unwrap().order_count, 1);
}
