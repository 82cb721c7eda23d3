//! Money rules 1 and 2 under random order flow on the in-process validator: four traders trade in
//! two markets (limit, post-only, IOC and market orders, reduce-only, cancels, deposits,
//! withdrawals, oracle moves, time passing with funding cranked). After every step the books
//! balance, the books agree with the seats, tokens are conserved, and a rejected step changed
//! nothing.
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use perp::error::PerpError;

use perp::engine::orders::{decode_order, OrderSide, OrderType};
use perp::math::position::lot_notional;
use perp::state::book::{Side, NIL};
use perp::OrderParams;
use perp_client::{instructions, pda};
use perp_localnet::localnet::Localnet;
use perp_tests::*;
use proptest::prelude::*;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signer;

const TRADERS: usize = 4;
/// Minted into each wallet; `DEPOSIT` of it goes into the trader account at the start.
const WALLET_QUOTE: u64 = 30_000;
const DEPOSIT_QUOTE: u64 = 20_000;
/// Oracle prices the markets start at (whole quote units): BTC-PERP, ETH-PERP.
const START_PRICES: [u64; 2] = [1_000, 100];

#[derive(Debug, Clone)]
enum Amount {
    /// Token units.
    Units(u64),
    /// Percent of the trader's collateral at the time of the step (over 100 is too much).
    PercentOfCollateral(u64),
}

#[derive(Debug, Clone)]
enum Op {
    Order {
        who: usize,
        market: usize,
        side: OrderSide,
        order_type: OrderType,
        lots: u64,
        /// Limit (or worst) price as an offset from the oracle, basis points.
        offset_bps: i64,
        reduce_only: bool,
        client_order_id: u64,
    },
    Cancel {
        who: usize,
        market: usize,
        client_order_id: u64,
    },
    CancelAll {
        who: usize,
        market: usize,
    },
    Deposit {
        who: usize,
        amount: u64,
    },
    Withdraw {
        who: usize,
        amount: Amount,
    },
    /// Moves the oracle by `bps` basis points (rounded to whole quote units).
    MovePrice {
        market: usize,
        bps: i64,
    },
    /// Time passes (both oracles republish at their prices) and both markets' funding is cranked.
    Crank {
        secs: i64,
    },
}

fn order_op() -> impl Strategy<Value = Op> {
    let side = prop_oneof![Just(OrderSide::Buy), Just(OrderSide::Sell)];
    let order_type = prop_oneof![
        4 => Just(OrderType::Limit),
        2 => Just(OrderType::PostOnly),
        2 => Just(OrderType::ImmediateOrCancel),
        2 => Just(OrderType::Market),
    ];
    // Mostly inside the 10% price band; sometimes outside it.
    let offset_bps = prop_oneof![9 => -600i64..=600, 3 => -990i64..=990, 1 => -1_300i64..=1_300];
    (0..TRADERS, 0..2usize, side, order_type, 1u64..=60, offset_bps, prop::bool::weighted(0.15), 0u64..6).prop_map(
        |(who, market, side, order_type, lots, offset_bps, reduce_only, client_order_id)| Op::Order {
            who,
            market,
            side,
            order_type,
            lots,
            offset_bps,
            reduce_only,
            client_order_id,
        },
    )
}

fn op() -> impl Strategy<Value = Op> {
    let deposit = prop_oneof![
        4 => 1..5_000 * QUOTE,
        1 => Just(0u64),
        // Straddles what the wallet holds.
        1 => 5_000 * QUOTE..20_000 * QUOTE,
    ];
    let withdraw = prop_oneof![
        3 => (1..3_000 * QUOTE).prop_map(Amount::Units),
        2 => (50u64..=110).prop_map(Amount::PercentOfCollateral),
        1 => Just(Amount::Units(u64::MAX)),
    ];
    prop_oneof![
        12 => order_op(),
        3 => (0..TRADERS, 0..2usize, 0u64..6)
            .prop_map(|(who, market, client_order_id)| Op::Cancel { who, market, client_order_id }),
        1 => (0..TRADERS, 0..2usize).prop_map(|(who, market)| Op::CancelAll { who, market }),
        2 => (0..TRADERS, deposit).prop_map(|(who, amount)| Op::Deposit { who, amount }),
        2 => (0..TRADERS, withdraw).prop_map(|(who, amount)| Op::Withdraw { who, amount }),
        3 => (0..2usize, -400i64..=400).prop_map(|(market, bps)| Op::MovePrice { market, bps }),
        2 => (1i64..2_000).prop_map(|secs| Op::Crank { secs }),
    ]
}

/// `price` moved by `bps` basis points, rounded to a whole quote unit, at least 1.
fn shifted(price: u64, bps: i64) -> u64 {
    let scaled = i128::from(price) * i128::from(10_000 + bps);
    u64::try_from((scaled + 5_000) / 10_000).unwrap().max(1)
}

/// Every resting order belongs to a live seat that lists it, and each seat's open order totals
/// are the sums of its resting orders; the header's counts match.
async fn assert_books_match_seats(net: &mut Localnet, markets: &[Pubkey]) {
    for market in markets {
        let mut data = market_data(net, market).await;
        let view = data.view().unwrap();
        let lot = view.header.lot_size;
        // Per seat: (orders, bid lots, bid notional, ask lots, ask notional).
        let mut sums: HashMap<u32, (u32, u64, u64, u64, u64)> = HashMap::new();
        for side in [Side::Bid, Side::Ask] {
            let book = view.book(side);
            let mut count = 0;
            for index in book.iter() {
                let node = book.get(index).unwrap();
                count += 1;
                let seat = view.seat(node.seat).expect("resting order of a free seat");
                let code = if side == Side::Ask { index | perp::state::ASK_BIT } else { index };
                assert!(seat.orders.contains(&code), "seat {} does not list its order {index}", node.seat);
                let notional = lot_notional(lot, node.price).unwrap() * node.base_lots;
                let entry = sums.entry(node.seat).or_default();
                entry.0 += 1;
                if side == Side::Bid {
                    (entry.1, entry.2) = (entry.1 + node.base_lots, entry.2 + notional);
                } else {
                    (entry.3, entry.4) = (entry.3 + node.base_lots, entry.4 + notional);
                }
            }
            assert_eq!(count, book.len(), "book count");
        }
        let mut live = 0;
        for (i, seat) in view.seats.iter().enumerate() {
            if seat.is_free() {
                continue;
            }
            live += 1;
            let expected = sums.get(&(i as u32)).copied().unwrap_or_default();
            let actual = (
                seat.order_count,
                seat.open_bid_lots,
                seat.open_bid_notional,
                seat.open_ask_lots,
                seat.open_ask_notional,
            );
            assert_eq!(actual, expected, "seat {i}: order count and open totals vs the book");
            for slot in seat.orders.iter().copied().filter(|o| *o != NIL) {
                let (side, index) = decode_order(slot);
                assert_eq!(view.book(side).get(index).unwrap().seat, i as u32, "seat {i} lists another's order");
            }
        }
        assert_eq!(view.header.seat_count, live, "seat count");
    }
}

/// Every trader account's market slots point at its seat, and every live seat at a trader
/// account that holds it.
async fn assert_traders_match_seats(net: &mut Localnet, wallets: &[Wallet], markets: &[Pubkey]) {
    let mut slots = Vec::new();
    for w in wallets {
        let trader = net.trader(&w.owner.pubkey(), 0).await.unwrap().unwrap();
        for slot in trader.active_markets() {
            slots.push((w.trader(), slot.market, slot.seat));
        }
    }
    for market in markets {
        let mut data = market_data(net, market).await;
        let view = data.view().unwrap();
        for (i, seat) in view.seats.iter().enumerate().filter(|(_, s)| !s.is_free()) {
            assert!(slots.contains(&(seat.trader, *market, i as u32)), "seat {i} has no trader slot");
        }
        for (trader, _, seat) in slots.iter().filter(|(_, m, _)| m == market) {
            assert_eq!(view.seats[*seat as usize].trader, *trader, "trader slot points at another seat");
        }
    }
}

async fn token_total(net: &mut Localnet, wallets: &[Wallet]) -> u64 {
    let mut total = net.token_balance(&pda::vault()).await.unwrap();
    total += net.token_balance(&pda::insurance_vault()).await.unwrap();
    for w in wallets {
        total += net.token_balance(&w.token_account).await.unwrap();
    }
    total
}

async fn mint_supply(net: &mut Localnet) -> u64 {
    let mint = net.mint;
    net.program_account::<anchor_spl::token::Mint>(&mint).await.unwrap().expect("mint").supply
}

async fn run(ops: Vec<Op>) {
    let mut net = localnet().await;
    let btc = create_market(&mut net, default_layout("BTC-PERP"), default_config, START_PRICES[0]).await;
    let eth = create_market(&mut net, default_layout("ETH-PERP"), default_config, START_PRICES[1]).await;
    let markets = [btc, eth];
    let market_keys = [markets[0].address, markets[1].address];
    let mut prices = START_PRICES;
    let mut wallets = Vec::new();
    for _ in 0..TRADERS {
        let w = new_trader(&mut net, WALLET_QUOTE * QUOTE).await;
        deposit(&mut net, &w, DEPOSIT_QUOTE * QUOTE).await.expect("first deposit");
        wallets.push(w);
    }
    let mut watched: Vec<Pubkey> = vec![pda::exchange(), pda::vault(), pda::insurance_vault()];
    for m in &markets {
        watched.extend([m.address, m.oracle]);
    }
    for w in &wallets {
        watched.extend([w.trader(), w.token_account]);
    }
    // Everything minted is in the vaults and the wallets.
    let minted = mint_supply(&mut net).await;
    assert_eq!(token_total(&mut net, &wallets).await, minted);

    let total = ops.len();
    let mut succeeded = 0usize;
    for (step, op) in ops.into_iter().enumerate() {
        let before = snapshot(&mut net, &watched).await;
        let wallet_before = match &op {
            Op::Deposit { who, .. } => net.token_balance(&wallets[*who].token_account).await.unwrap(),
            _ => 0,
        };
        let result = match &op {
            Op::Order { who, market, side, order_type, lots, offset_bps, reduce_only, client_order_id } => {
                let params = OrderParams {
                    side: *side,
                    order_type: *order_type,
                    price: shifted(prices[*market], *offset_bps) * PRICE,
                    base_lots: *lots,
                    reduce_only: *reduce_only,
                    client_order_id: *client_order_id,
                };
                order(&mut net, &wallets[*who], &markets[*market], params).await
            }
            Op::Cancel { who, market, client_order_id } => {
                let w = &wallets[*who];
                let ix = instructions::cancel_order(&w.owner.pubkey(), 0, &market_keys[*market], *client_order_id);
                net.send(&[ix], &[&w.owner]).await
            }
            Op::CancelAll { who, market } => {
                let w = &wallets[*who];
                let ix = instructions::cancel_all_orders(&w.owner.pubkey(), 0, &market_keys[*market]);
                net.send(&[ix], &[&w.owner]).await
            }
            Op::Deposit { who, amount } => deposit(&mut net, &wallets[*who], *amount).await,
            Op::Withdraw { who, amount } => {
                let w = &wallets[*who];
                let amount = match amount {
                    Amount::Units(units) => *units,
                    Amount::PercentOfCollateral(pct) => {
                        let trader = net.trader(&w.owner.pubkey(), 0).await.unwrap().unwrap();
                        trader.collateral * pct / 100
                    }
                };
                withdraw(&mut net, w, amount).await
            }
            Op::MovePrice { market, bps } => {
                prices[*market] = shifted(prices[*market], *bps);
                move_price(&mut net, &markets[*market], prices[*market]).await;
                Ok(())
            }
            Op::Crank { secs } => {
                let now = net.clock().await.unwrap().unix_timestamp + secs;
                net.set_unix_time(now).await.unwrap();
                for (m, price) in markets.iter().zip(prices) {
                    push_price(&mut net, m, price * PRICE, 0).await.expect("push price");
                }
                let ixs: Vec<_> = markets.iter().map(|m| instructions::update_funding(&m.address, &m.oracle)).collect();
                net.send(&ixs, &[]).await
            }
        };
        match &result {
            Ok(()) => succeeded += 1,
            Err(e) => {
                // A rejection names an error this kind of step may meet, and changes nothing.
                let code = custom_code(&result);
                let error = code.and_then(perp_client::chain::perp_error);
                let allowed = allowed_errors(&op, wallet_before);
                assert!(
                    error.is_some_and(|e| allowed.contains(&e)),
                    "step {step} {op:?}: rejected with {error:?} (code {code:?}), allowed {allowed:?}: {e:?}"
                );
                assert_eq!(
                    snapshot(&mut net, &watched).await,
                    before,
                    "step {step} {op:?}: rejected step changed state"
                );
            }
        }
        assert_money_rules(&mut net).await;
        assert_books_match_seats(&mut net, &market_keys).await;
        assert_traders_match_seats(&mut net, &wallets, &market_keys).await;
        assert_eq!(token_total(&mut net, &wallets).await, minted, "step {step} {op:?}: tokens not conserved");
        assert_eq!(mint_supply(&mut net).await, minted, "step {step}: supply");
    }
    STEPS.fetch_add(total, Ordering::Relaxed);
    SUCCEEDED.fetch_add(succeeded, Ordering::Relaxed);
    // Over the cases so far, most steps do what they ask: a program refusing them would fail.
    let (steps, ok) = (STEPS.load(Ordering::Relaxed), SUCCEEDED.load(Ordering::Relaxed));
    if steps >= 60 {
        assert!(ok * 100 >= steps * MIN_SUCCESS_PERCENT, "only {ok} of {steps} steps succeeded");
    }
}

/// Steps and successes over every case of the run.
static STEPS: AtomicUsize = AtomicUsize::new(0);
static SUCCEEDED: AtomicUsize = AtomicUsize::new(0);
/// The least share of steps that must succeed (the generator aims most steps at the band and at
/// what a trader holds).
const MIN_SUCCESS_PERCENT: usize = 40;

/// The errors a step of this kind may be rejected with; anything else fails the test.
fn allowed_errors(op: &Op, wallet: u64) -> Vec<PerpError> {
    use PerpError::*;
    match op {
        Op::Order { .. } => vec![
            InsufficientMargin,
            // The first order in a market pays the seat deposit from collateral.
            InsufficientCollateral,
            BelowMaintenance,
            PriceOutsideBand,
            PostOnlyWouldCross,
            ReduceOnlyViolation,
            OrderBelowMinNotional,
            TooManyOpenOrders,
            OpenInterestCap,
            BookSideFull,
        ],
        Op::Cancel { .. } => vec![OrderNotFound, NoSeat],
        Op::CancelAll { .. } => vec![NoSeat],
        // Exactly: more than the wallet holds, else nothing.
        Op::Deposit { amount, .. } if *amount > wallet => vec![InsufficientFunds],
        Op::Deposit { amount: 0, .. } => vec![ZeroAmount],
        Op::Deposit { .. } => vec![],
        Op::Withdraw { .. } => vec![ZeroAmount, InsufficientCollateral],
        // Oracle moves and funding cranks always go through.
        Op::MovePrice { .. } | Op::Crank { .. } => vec![],
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]
    #[test]
    fn random_order_flow_keeps_the_books_balanced(ops in proptest::collection::vec(op(), 1..=40)) {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(run(ops));
    }
}
