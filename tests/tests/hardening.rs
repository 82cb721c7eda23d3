//! Holes a security review found (issue #19), each closed and tested by the attack's name: the
//! exact error, and nothing changed where the program refuses.
use perp::engine::orders::{CancelReason, OrderSide::*};
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

/// Item 2, reduce-only. A seat's reduce-only orders outlived the position they reduced: eight
/// one-lot reduce-only asks left by a seat that had closed its long sat at the top of the book,
/// and a buyer reaching them cancelled them, used up `MAX_CANCELS_PER_ORDER` and filled nothing
/// (for about a dollar of fees, again and again). Now whatever shrinks a position trims its
/// seat's reduce-only orders at once (its own order here; liquidation and ADL too), a resting
/// reduce-only order counts the seat's other orders on its side (so a maker's fill never leaves
/// one beyond its position), and the buyer reaches the real ask.
#[tokio::test]
async fn stale_reduce_only_asks_cannot_starve_a_buyer() {
    let mut net = localnet().await;
    let btc = create_market(&mut net, default_layout("BTC-PERP"), default_config, 100_000).await;
    let dealer = funded_trader(&mut net, 100_000).await;
    let seller = funded_trader(&mut net, 100_000).await;
    let maker = funded_trader(&mut net, 100_000).await;
    let buyer = funded_trader(&mut net, 100_000).await;
    // The seller buys 8 lots and rests 8 one-lot reduce-only asks at 100,000.
    order(&mut net, &dealer, &btc, limit(Sell, 100_000, 8, 1)).await.unwrap();
    order(&mut net, &seller, &btc, ioc(limit(Buy, 100_000, 8, 2))).await.unwrap();
    for id in 10..18 {
        order(&mut net, &seller, &btc, reduce_only(limit(Sell, 100_000, 1, id))).await.unwrap();
    }
    // It closes its long into the dealer's bid: the same order trims the 8 asks.
    order(&mut net, &dealer, &btc, limit(Buy, 99_990, 8, 3)).await.unwrap();
    let closed = order_logs(&mut net, &seller, &btc, ioc(limit(Sell, 99_990, 8, 4))).await;
    // A real ask behind: the buyer fills it, and cancels nothing.
    order(&mut net, &maker, &btc, limit(Sell, 100_010, 2, 5)).await.unwrap();
    let out = order_logs(&mut net, &buyer, &btc, ioc(limit(Buy, 100_010, 1, 6))).await;
    let fills = events::decode::<OrderFilled>(&out.logs);
    assert_eq!(fills.iter().map(|f| (f.maker, f.base_lots)).collect::<Vec<_>>(), vec![(maker.trader(), 1)]);
    assert!(events::decode::<OrderCancelled>(&out.logs).is_empty());
    let trimmed = events::decode::<OrderCancelled>(&closed.logs);
    assert_eq!(trimmed.len(), 8);
    assert!(trimmed.iter().all(|c| c.trader == seller.trader() && c.reason == CancelReason::ReduceOnly));
    // Flat and orderless: its seat was even released.
    assert_eq!(seat(&mut net, &btc.address, &seller).await.map(|s| (s.base_lots, s.order_count)), None);

    // The other way to close: as a maker. The seller buys 8 again and rests its 8 asks; an
    // ordinary ask for the whole long then trims them when it is placed.
    order(&mut net, &maker, &btc, limit(Sell, 100_010, 8, 7)).await.unwrap();
    order(&mut net, &seller, &btc, ioc(limit(Buy, 100_010, 8, 8))).await.unwrap();
    for id in 20..28 {
        order(&mut net, &seller, &btc, reduce_only(limit(Sell, 100_000, 1, id))).await.unwrap();
    }
    let out = order_logs(&mut net, &seller, &btc, limit(Sell, 100_005, 8, 9)).await;
    assert_eq!(events::decode::<OrderCancelled>(&out.logs).len(), 8);
    // With that ask resting, no reduce-only ask fits any more: refused, nothing changed.
    let watched = [btc.address, seller.trader()];
    let before = snapshot(&mut net, &watched).await;
    assert_perp_error(
        order(&mut net, &seller, &btc, reduce_only(limit(Sell, 100_000, 1, 29))).await,
        PerpError::ReduceOnlyViolation,
    );
    assert_eq!(snapshot(&mut net, &watched).await, before);
    // A buyer takes the seller's ask (closing its long as a maker), then the maker's: no cancels.
    let out = order_logs(&mut net, &buyer, &btc, ioc(limit(Buy, 100_010, 9, 10))).await;
    assert!(events::decode::<OrderCancelled>(&out.logs).is_empty());
    assert_eq!(events::decode::<OrderFilled>(&out.logs).iter().map(|f| f.base_lots).sum::<u64>(), 9);
    assert_eq!(seat(&mut net, &btc.address, &seller).await.map(|s| (s.base_lots, s.order_count)), Some((0, 0)));
    assert_money_rules(&mut net).await;
}

/// Item 2, the fill band. Asks priced below the fill band (placed there over an empty bid side,
/// or left behind when the oracle rose) are cancelled rather than filled when a buyer reaches
/// them, and those cancels used up `MAX_CANCELS_PER_ORDER`: ten of them made a buy fill nothing.
/// Now, once the cap is reached, matching passes over the orders beyond the band's near edge
/// and fills the real ask behind them.
#[tokio::test]
async fn asks_below_the_fill_band_cannot_starve_a_buyer() {
    let mut net = localnet().await;
    let btc = create_market(&mut net, default_layout("BTC-PERP"), default_config, 100_000).await;
    let griefer = funded_trader(&mut net, 100_000).await;
    let maker = funded_trader(&mut net, 100_000).await;
    let buyer = funded_trader(&mut net, 100_000).await;
    // The fill band is 95,050..=104,950: ten one-lot asks at 94,000 (inside the price band).
    for id in 0..10 {
        order(&mut net, &griefer, &btc, limit(Sell, 94_000, 1, id)).await.unwrap();
    }
    order(&mut net, &maker, &btc, limit(Sell, 100_000, 2, 20)).await.unwrap();
    let out = order_logs(&mut net, &buyer, &btc, ioc(limit(Buy, 100_000, 2, 21))).await;
    let cancels = events::decode::<OrderCancelled>(&out.logs);
    assert_eq!(cancels.len(), perp::engine::orders::MAX_CANCELS_PER_ORDER);
    assert!(cancels.iter().all(|c| c.trader == griefer.trader() && c.reason == CancelReason::OutsideFillBand));
    let fills = events::decode::<OrderFilled>(&out.logs);
    assert_eq!(fills.iter().map(|f| (f.maker, f.base_lots)).collect::<Vec<_>>(), vec![(maker.trader(), 2)]);
    assert_eq!(seat(&mut net, &btc.address, &griefer).await.unwrap().order_count, 2, "two left for the next");
    assert_money_rules(&mut net).await;
}

/// Item 2, liquidation. A takeover that shrinks the liquidator's position trims its reduce-only
/// orders there; one liquidation cancels and trims at most `MAX_ORDERS_PER_SEAT` orders (its
/// compute budget), so a liquidator whose trims would pass that, after the account's 32 orders,
/// is refused with `ReduceOnlyViolation` and nothing changes. Pulling its order first, it goes on.
#[tokio::test]
async fn a_liquidation_never_leaves_the_liquidators_reduce_only_orders_beyond_its_position() {
    let mut net = localnet().await;
    let btc = create_market(&mut net, default_layout("BTC-PERP"), default_config, 100_000).await;
    let dealer = funded_trader(&mut net, 1_000_000).await;
    let victim = funded_trader(&mut net, 1_100).await;
    let liquidator = funded_trader(&mut net, 100_000).await;
    order(&mut net, &dealer, &btc, limit(Sell, 100_000, 100, 1)).await.unwrap();
    order(&mut net, &victim, &btc, ioc(limit(Buy, 100_000, 100, 2))).await.unwrap();
    for id in 0..32 {
        order(&mut net, &victim, &btc, limit(Sell, 101_000 + id, 1, 10 + id)).await.unwrap();
    }
    // The liquidator is short 10 with a reduce-only bid for it.
    order(&mut net, &dealer, &btc, limit(Buy, 100_000, 10, 3)).await.unwrap();
    order(&mut net, &liquidator, &btc, ioc(limit(Sell, 100_000, 10, 4))).await.unwrap();
    order(&mut net, &liquidator, &btc, reduce_only(limit(Buy, 99_000, 10, 5))).await.unwrap();
    // -7%: equity about 395 against a maintenance of 465.
    move_price(&mut net, &btc, 93_000).await;
    assert!(risk(&mut net, &victim).await.below_maintenance().unwrap());
    let exchange = net.exchange().await.unwrap();
    let watched = [btc.address, victim.trader(), liquidator.trader(), exchange.vault, exchange.insurance_vault];
    let before = snapshot(&mut net, &watched).await;
    assert_perp_error(liquidate(&mut net, &liquidator, &victim, &btc).await, PerpError::ReduceOnlyViolation);
    assert_eq!(snapshot(&mut net, &watched).await, before);
    // Its bid pulled, the liquidation goes through.
    let owner = liquidator.owner.insecure_clone();
    net.send(&[instructions::cancel_order(&owner.pubkey(), 0, &btc.address, 5)], &[&owner]).await.unwrap();
    let out = liquidate_logs(&mut net, &liquidator, &victim, &btc).await;
    assert_eq!(events::decode::<OrderCancelled>(&out.logs).len(), 32);
    assert_money_rules(&mut net).await;
}

/// Item 2, liquidation: within the cap, the liquidator's reduce-only bid is trimmed with the
/// takeover, not left on the book beyond its position.
#[tokio::test]
async fn a_liquidators_reduce_only_bid_is_trimmed_by_its_takeover() {
    let mut net = localnet().await;
    let btc = create_market(&mut net, default_layout("BTC-PERP"), default_config, 100_000).await;
    let dealer = funded_trader(&mut net, 1_000_000).await;
    let victim = funded_trader(&mut net, 1_100).await;
    let liquidator = funded_trader(&mut net, 100_000).await;
    order(&mut net, &dealer, &btc, limit(Sell, 100_000, 100, 1)).await.unwrap();
    order(&mut net, &victim, &btc, ioc(limit(Buy, 100_000, 100, 2))).await.unwrap();
    order(&mut net, &dealer, &btc, limit(Buy, 100_000, 10, 3)).await.unwrap();
    order(&mut net, &liquidator, &btc, ioc(limit(Sell, 100_000, 10, 4))).await.unwrap();
    order(&mut net, &liquidator, &btc, reduce_only(limit(Buy, 99_000, 10, 5))).await.unwrap();
    move_price(&mut net, &btc, 93_000).await;
    let out = liquidate_logs(&mut net, &liquidator, &victim, &btc).await;
    let trimmed = events::decode::<OrderCancelled>(&out.logs);
    assert_eq!(trimmed.len(), 1);
    assert_eq!((trimmed[0].trader, trimmed[0].reason), (liquidator.trader(), CancelReason::ReduceOnly));
    let seat = seat(&mut net, &btc.address, &liquidator).await.unwrap();
    let room = (-seat.base_lots).max(0) as u64;
    assert!(seat.open_bid_lots <= room, "bid {} beyond the short {}", seat.open_bid_lots, room);
    assert_money_rules(&mut net).await;
}

/// Item 10, the remnants. Leftovers of partial fills had no minimum: an attacker's 64 asks, each
/// partly bought by its own second account down to one lot, rested as crumbs at the front of the
/// ask side. The funding walk reads 64 orders, found 63.6 quote where the impact notional is 320,
/// and read the side as thin, switching off the premium the honest asks below the oracle set
/// (shorts pay it). Now each crumb leaves the book with its fill (`CancelReason::Remnant`), and
/// the premium still reads the honest book.
#[tokio::test]
async fn crumbs_left_by_partial_fills_cannot_make_a_side_read_thin() {
    let mut net = localnet().await;
    // A 5-quote minimum order (5 lots at 1,000) and 64 of them for the impact notional.
    let priced = |oracle| MarketConfig {
        min_order_notional: 5 * QUOTE,
        seat_deposit: 5 * QUOTE,
        funding_impact_notional: 320 * QUOTE,
        ..default_config(oracle)
    };
    let btc = create_market(&mut net, default_layout("BTC-PERP"), priced, 1_000).await;
    let honest = funded_trader(&mut net, 100_000).await;
    let attacker = funded_trader(&mut net, 10_000).await;
    let accomplice = funded_trader(&mut net, 10_000).await;
    order(&mut net, &honest, &btc, limit(Sell, 995, 1_000, 1)).await.unwrap();
    let premium = |mut data: perp_client::views::MarketData| {
        perp::engine::funding::current_premium(&data.view().unwrap()).unwrap().0
    };
    let before = premium(market_data(&mut net, &btc.address).await);
    assert_eq!(before, -5_000_000, "-0.5%: the honest asks at 995");
    for id in 0..64 {
        order(&mut net, &attacker, &btc, limit(Sell, 994, 7, 100 + id)).await.unwrap();
        let out = order_logs(&mut net, &accomplice, &btc, ioc(limit(Buy, 994, 6, 200 + id))).await;
        let cancels = events::decode::<OrderCancelled>(&out.logs);
        assert_eq!(cancels.len(), 1);
        assert_eq!((cancels[0].trader, cancels[0].base_lots), (attacker.trader(), 1));
        assert_eq!(cancels[0].reason, CancelReason::Remnant);
    }
    let mut data = market_data(&mut net, &btc.address).await;
    assert_eq!(data.view().unwrap().book(perp::state::book::Side::Ask).len(), 1, "only the honest asks");
    assert_eq!(seat(&mut net, &btc.address, &attacker).await.map(|s| s.order_count), Some(0));
    assert_eq!(premium(data), before);
    assert_money_rules(&mut net).await;
}
