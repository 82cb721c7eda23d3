//! Bankruptcy resolution and pro-rata ADL on in-memory markets: 10x allowed (10% / 5%), no fees.
use super::*;
use crate::engine::collateral::LossPlacement;
use crate::engine::orders::OrderSide::{Buy, Sell};
use crate::engine::test_market::{self as tm, PRICE, QUOTE};
use crate::engine::test_world::World;
use crate::state::MarketConfig;

fn no_fees() -> MarketConfig {
    tm::no_fee_config()
}

const Q: i64 = QUOTE as i64;

/// A 4x long (25,001) and a 10x short (10,001) trade 1 BTC at 100,000.
fn seed() -> (World, usize, usize) {
    seed_with(no_fees())
}

fn seed_with(config: MarketConfig) -> (World, usize, usize) {
    let mut w = World::new(config, 100_000);
    let long = w.trader(25_001);
    let short = w.trader(10_001);
    w.trade(long, short, Buy, 100_000, 1_000);
    w.check();
    (w, long, short)
}

#[test]
fn the_seed_adl_story_the_winner_earns_about_40_percent_not_80() {
    let (mut w, long, short) = seed();
    // A 20% gap: the short's equity is 10,001 - 20,000 = -9,999, the insurance fund is empty.
    w.set_price(120_000);
    assert_eq!(w.risk(short).equity, -9_999 * Q);
    assert_eq!(w.risk(long).equity, 45_001 * Q, "80% up at the oracle");
    let money = w.money();
    let out = w.resolve(short).unwrap();
    assert_eq!((out.deficit, out.insurance_paid, out.uncovered), (9_999 * QUOTE, 0, 9_999 * QUOTE));
    // Its bankruptcy price: 120,000 - 9,999 per BTC; the whole long side (f = 1) closes there.
    let close = &out.markets[0].close;
    assert_eq!((close.base_lots, close.price), (-1_000, 110_001 * PRICE));
    assert_eq!((close.side_lots, close.closed_lots), (1_000, 1_000));
    assert_eq!(out.equity_after, 0);
    assert_eq!(w.money(), money);
    w.check();
    // The long sees it at once (views apply pending ADL) and applies it on its next touch.
    assert_eq!(w.risk(long).equity, 35_002 * Q, "10,001 on 25,001: about 40%");
    let records = w.settle(long);
    let applied = records[0].adl.as_deref().copied().expect("ADL applied");
    assert_eq!((applied.lots, applied.price, applied.realized_pnl), (1_000, 110_001 * PRICE, 10_001 * Q));
    assert_eq!(w.position(long), 0);
    assert_eq!(w.collateral(long), 35_002 * QUOTE);
    let header = *w.view().header;
    assert_eq!((header.insurance.base_lots, header.insurance.unsettled_quote), (0, 0));
    assert_eq!(w.money(), money);
    w.check();
}

/// Two longs of 1,000 lots (a 1x hedged market maker and a 20x-ish gambler) against a safe short
/// and a bankrupt short of 1,000 each.
fn two_longs() -> (World, usize, usize, usize, usize) {
    let mut w = World::new(no_fees(), 100_000);
    let maker = w.trader(100_001);
    let gambler = w.trader(10_001);
    let safe = w.trader(1_000_000);
    let bankrupt = w.trader(10_001);
    w.trade(maker, safe, Buy, 100_000, 1_000);
    w.trade(gambler, bankrupt, Buy, 100_000, 1_000);
    (w, maker, gambler, safe, bankrupt)
}

#[test]
fn pro_rata_a_hedged_maker_and_a_gambler_lose_the_same_fraction_at_the_same_price() {
    let (mut w, maker, gambler, _, bankrupt) = two_longs();
    w.set_price(120_000);
    let out = w.resolve(bankrupt).unwrap();
    // f = 1,000 / 2,000 of every long, at 110,001.
    let close = &out.markets[0].close;
    assert_eq!((close.side_lots, close.closed_lots, close.price), (2_000, 1_000, 110_001 * PRICE));
    let a = w.settle(maker)[0].adl.as_deref().copied().unwrap();
    let b = w.settle(gambler)[0].adl.as_deref().copied().unwrap();
    assert_eq!((a.lots, a.cash, a.price), (b.lots, b.cash, b.price));
    assert_eq!(a.lots, 500);
    assert_eq!((w.position(maker), w.position(gambler)), (500, 500));
    w.check();
}

#[test]
fn an_untouched_seat_settles_exactly_what_an_eager_one_does_funding_on_the_reduced_size() {
    let (mut w, maker, gambler, _, bankrupt) = two_longs();
    w.set_price(120_000);
    w.resolve(bankrupt).unwrap();
    let mut eager = w.clone();
    eager.settle(maker);
    eager.settle(gambler);
    let money = w.money();
    for step in 0..5i64 {
        for world in [&mut w, &mut eager] {
            world.apply_funding(1_000 + step, 999 + step);
        }
        eager.settle(maker);
        eager.settle(gambler);
        w.check();
        eager.check();
    }
    w.settle(maker);
    w.settle(gambler);
    assert_eq!(w.collateral(maker), eager.collateral(maker));
    assert_eq!(w.collateral(gambler), eager.collateral(gambler));
    assert_eq!(w.insurance_total(), eager.insurance_total(), "the fund ends the same");
    assert_eq!(w.money(), money);
    w.check();
}

#[test]
fn two_adl_events_in_a_row_apply_in_order() {
    let mut w = World::new(no_fees(), 100_000);
    let long_a = w.trader(200_001);
    let long_b = w.trader(200_001);
    let short_a = w.trader(10_001);
    let short_b = w.trader(10_001);
    let safe = w.trader(1_000_000);
    w.trade(long_a, short_a, Buy, 100_000, 1_000);
    w.trade(long_b, short_b, Buy, 100_000, 1_000);
    w.trade(long_a, safe, Buy, 100_000, 1_000);
    w.set_price(120_000);
    let money = w.money();
    let first = w.resolve(short_a).unwrap();
    assert_eq!((first.markets[0].close.side_lots, first.markets[0].close.closed_lots), (3_000, 1_000));
    let second = w.resolve(short_b).unwrap();
    // The side's effective size after the first: 2,000 (its closes still pending).
    assert_eq!((second.markets[0].close.side_lots, second.markets[0].close.closed_lots), (2_000, 1_000));
    w.check();
    let a = w.settle(long_a)[0].adl.as_deref().copied().unwrap();
    let b = w.settle(long_b)[0].adl.as_deref().copied().unwrap();
    assert_eq!((a.events, b.events), (2, 2));
    // 2,000 keeps 2/3 then 1/2: 666 (floored) then 333; 1,000: 666 then 333.
    assert_eq!((w.position(long_a), w.position(long_b)), (666, 333));
    let header = *w.view().header;
    // The seats closed 2,001 lots for the 2,000 planned (sizes round toward zero): the insurance
    // position owns the extra lot.
    assert_eq!(header.insurance.base_lots, 1);
    assert_eq!(header.adl[crate::state::adl::LONG].pending_close_lots, 0);
    assert_eq!(w.money(), money);
    w.check();
}

#[test]
fn a_gap_the_insurance_fund_covers_leaves_the_account_at_zero_for_liquidation() {
    let (mut w, long, short) = seed();
    w.fund_insurance(20_000);
    let liquidator = w.trader(1_000_000);
    w.set_price(120_000);
    let money = w.money();
    let out = w.resolve(short).unwrap();
    assert_eq!((out.insurance_paid, out.uncovered), (9_999 * QUOTE, 0));
    assert_eq!(out.equity_after, 0);
    assert_eq!(w.ledger.insurance_fund, 10_001 * QUOTE);
    assert_eq!(w.ledger.insurance_drawn, 9_999 * QUOTE);
    assert_eq!(w.position(short), -1_000, "no ADL: the position waits for liquidation");
    // Zero equity: liquidation takes all of it, with no penalty.
    let liq = w.liquidate(short, liquidator).unwrap();
    assert_eq!((liq.lots, liq.penalty.total), (1_000, 0));
    assert_eq!(w.position(long), 1_000, "the winner keeps its position");
    assert_eq!(w.money(), money);
    w.check();
}

#[test]
fn the_fund_exhausted_then_adl() {
    let (mut w, long, short) = seed();
    w.fund_insurance(5_000);
    w.set_price(120_000);
    let out = w.resolve(short).unwrap();
    assert_eq!((out.insurance_paid, out.uncovered), (5_000 * QUOTE, 4_999 * QUOTE));
    assert_eq!(w.ledger.insurance_fund, 0);
    // The uncovered 4,999 sets the bankruptcy price: 120,000 - 4,999.
    assert_eq!(out.markets[0].close.price, 115_001 * PRICE);
    w.settle(long);
    assert_eq!(w.collateral(long), (25_001 + 15_001) * QUOTE);
    w.check();
}

#[test]
fn the_per_event_cap_limits_what_the_fund_pays() {
    let (mut w, _, short) = seed_with(MarketConfig { insurance_cap_per_event: 2_000 * QUOTE, ..no_fees() });
    w.fund_insurance(20_000);
    w.set_price(120_000);
    let out = w.resolve(short).unwrap();
    assert_eq!((out.insurance_paid, out.uncovered), (2_000 * QUOTE, 7_999 * QUOTE));
    assert_eq!(w.ledger.insurance_fund, 18_000 * QUOTE);
    w.check();
}

#[test]
fn an_account_at_or_above_zero_is_not_bankrupt_and_nothing_changes() {
    let (mut w, _, short) = seed();
    w.set_price(110_000);
    let money = w.money();
    assert_eq!(w.resolve(short).unwrap_err(), PerpError::NotBankrupt);
    assert_eq!(w.money(), money);
    assert_eq!(w.position(short), -1_000);
}

#[test]
fn reduce_only_orders_beyond_a_shrunk_position_are_trimmed() {
    let (mut w, maker, _, _, bankrupt) = two_longs();
    // The maker rests a reduce-only ask for its whole position.
    let params = crate::engine::orders::OrderParams {
        side: Sell,
        order_type: crate::engine::orders::OrderType::Limit,
        price: 104_000 * PRICE,
        base_lots: 1_000,
        reduce_only: true,
        client_order_id: 5,
    };
    {
        let key = w.key;
        let (tkey, trader) = &mut w.traders[maker];
        let mut markets = [(key, tm::view(&mut w.data).unwrap())];
        crate::engine::trade::trade(trader, tkey, &mut w.ledger, &mut markets, &params).unwrap();
    }
    w.set_price(120_000);
    w.resolve(bankrupt).unwrap();
    let records = w.settle(maker);
    assert_eq!(w.position(maker), 500);
    assert_eq!(records[0].adl_cancels.len(), 1, "1,000 reduce-only lots cannot rest on 500");
    assert_eq!(records[0].adl_cancels[0].reason, CancelReason::ReduceOnly);
    w.check();
}

#[test]
fn a_maker_applies_its_pending_adl_before_its_fill() {
    let (mut w, maker, _, safe, bankrupt) = two_longs();
    w.order(maker, Sell, 100_000, 100).unwrap();
    w.set_price(120_000);
    w.resolve(bankrupt).unwrap();
    w.set_price(100_000);
    // The safe short buys from the maker's ask: the maker applies its ADL first.
    w.order(safe, Buy, 100_000, 100).unwrap();
    let seat = w.traders[maker].1.seat_in(&w.key).unwrap();
    let seat = *w.view().seat(seat).unwrap();
    assert_eq!(seat.base_lots, 400, "1,000 - 500 (ADL) - 100 (fill)");
    assert_eq!(seat.adl_seq, w.view().header.adl[crate::state::adl::LONG].next_seq);
    w.check();
}

mod random_paths {
    //! Random price paths with trading, funding, liquidation and bankruptcy resolution: after
    //! every step long base == short base, the ledger's sums and funding balance, and no money
    //! is created or lost; after every keeper pass no account is below zero equity and what every
    //! account could withdraw is backed by the vault.
    use super::*;
    use proptest::prelude::*;

    #[derive(Clone, Debug)]
    enum Step {
        /// `taker` takes `lots` from `maker` at the oracle, buying when `buy`.
        Trade { taker: usize, maker: usize, buy: bool, lots: u64 },
        /// The oracle moves by `percent`.
        Move { percent: i64 },
        /// A funding interval: longs pay `delta` per lot (shorts receive one unit less).
        Funding { delta: i64 },
        /// The keeper's pass: resolve bankruptcies, liquidate, settle everyone.
        Keeper,
    }

    const TRADERS: usize = 5;

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            4 => (0..TRADERS, 0..TRADERS, any::<bool>(), 1u64..600)
                .prop_map(|(taker, maker, buy, lots)| Step::Trade { taker, maker, buy, lots }),
            3 => (-25i64..=25).prop_map(|percent| Step::Move { percent }),
            1 => (0i64..2_000).prop_map(|delta| Step::Funding { delta }),
            2 => Just(Step::Keeper),
        ]
    }

    /// Runs `op` on the world; a failed operation leaves it as it was (as a reverted transaction).
    fn attempt<T>(w: &mut World, op: impl FnOnce(&mut World) -> Result<T, PerpError>) -> Option<T> {
        let backup = w.clone();
        match op(w) {
            Ok(value) => Some(value),
            Err(_) => {
                *w = backup;
                None
            }
        }
    }

    /// The keeper's pass, as the keeper runs it: resolve every account below zero, liquidate every
    /// account below maintenance, settle everyone, sweep the insurance position (the funding
    /// crank); again while an ADL left an account below zero (a cascade: the opposite side bore a
    /// deficit beyond some position's equity).
    fn keeper_pass(w: &mut World, keeper: usize) {
        for _ in 0..4 {
            for who in 0..w.traders.len() {
                if w.risk(who).equity < 0 && attempt(w, |w| w.resolve(who)).is_none() {
                    // A backlog of ADL events: everyone settles, then it goes through.
                    for t in 0..w.traders.len() {
                        w.settle(t);
                    }
                    w.resolve(who).expect("resolution after settling");
                }
                if who != keeper && w.risk(who).below_maintenance().unwrap() {
                    attempt(w, |w| w.liquidate(who, keeper));
                }
            }
            for t in 0..w.traders.len() {
                w.settle(t);
            }
            w.sweep();
            if (0..w.traders.len()).all(|t| w.risk(t).equity >= 0) {
                return;
            }
        }
    }

    /// One random path: every step keeps the money rules; after every keeper pass nobody is
    /// below zero and the vault backs every claim.
    fn path(deposits: &[u64], fund: u64, steps: Vec<Step>) -> Result<(), TestCaseError> {
        let mut w = World::new(tm::config(), 10_000);
        for d in deposits {
            w.trader(*d);
        }
        let keeper = w.trader(50_000_000);
        w.fund_insurance(fund);
        let money = w.money();
        for step in steps {
            match step {
                Step::Trade { taker, maker, buy, lots } if taker != maker => {
                    let price = w.view().header.oracle_price / PRICE;
                    let side = if buy { Buy } else { Sell };
                    let maker_side = side.opposite();
                    attempt(&mut w, |w| {
                        w.order(maker, maker_side, price, lots)?;
                        w.order(taker, side, price, lots)
                    });
                }
                Step::Trade { .. } => {}
                Step::Move { percent } => {
                    let price = w.view().header.oracle_price / PRICE;
                    let moved = (price as i64 * (100 + percent) / 100).clamp(1_000, 100_000);
                    w.set_price(moved as u64);
                }
                Step::Funding { delta } => w.apply_funding(delta, delta - 1),
                Step::Keeper => {
                    keeper_pass(&mut w, keeper);
                    let mut claims: i128 = 0;
                    for who in 0..w.traders.len() {
                        let risk = w.risk(who);
                        prop_assert!(risk.equity >= 0, "trader {who} below zero after the keeper: {risk:?}");
                        claims += i128::from(risk.withdrawable().unwrap());
                    }
                    let vault = w.money() - i128::from(w.ledger.insurance_fund);
                    prop_assert!(claims <= vault, "claims {claims} > vault {vault}");
                }
            }
            w.check();
            prop_assert_eq!(w.money(), money);
        }
        Ok(())
    }

    /// A path random testing found: a fresh 10x long buys the whole long side at the oracle after
    /// a 71% rise, and the bankrupt short's deficit is larger than its equity. Before the
    /// waterfall's last step, the long was left below zero with nothing to bear it.
    #[test]
    fn a_fresh_long_facing_an_older_shorts_deficit_after_a_gap_ends_at_zero() {
        let steps = vec![
            Step::Trade { taker: 3, maker: 1, buy: true, lots: 505 },
            Step::Trade { taker: 0, maker: 2, buy: false, lots: 301 },
            Step::Move { percent: 15 },
            Step::Move { percent: 19 },
            Step::Move { percent: 13 },
            Step::Trade { taker: 0, maker: 3, buy: true, lots: 505 },
            Step::Keeper,
        ];
        for first in [800, 1_611] {
            path(&[first, 1_153, 300, 1_690, 300], 0, steps.clone()).unwrap();
        }
    }

    /// Another path random testing found: two shorts go bankrupt one after the other; the first
    /// ADL leaves the insurance position the lots rounding left over, and the second closes them
    /// at a loss the empty fund cannot pay. Before, that loss stayed on the insurance position and
    /// the accounts' claims exceeded the vault; now the fee pool pays it, then all collateral.
    #[test]
    fn an_insurance_position_loss_beyond_the_fund_is_placed_not_left_unbacked() {
        let steps = vec![
            Step::Trade { taker: 2, maker: 3, buy: false, lots: 70 },
            Step::Move { percent: 8 },
            Step::Trade { taker: 4, maker: 0, buy: true, lots: 337 },
            Step::Move { percent: 23 },
            Step::Trade { taker: 1, maker: 0, buy: false, lots: 225 },
            Step::Move { percent: 8 },
            Step::Trade { taker: 1, maker: 0, buy: true, lots: 56 },
            Step::Move { percent: 17 },
            Step::Keeper,
        ];
        path(&[2_139, 300, 300, 300, 698], 0, steps).unwrap();
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(crate::engine::test_market::proptest_cases(crate::engine::test_market::MONEY_CASES_WATERFALL)))]
        #[test]
        fn the_waterfall_leaves_nobody_below_zero_and_the_vault_backs_every_claim(
            deposits in proptest::collection::vec(300u64..6_000, TRADERS),
            fund in 0u64..20_000,
            steps in proptest::collection::vec(step(), 1..40),
        ) {
            path(&deposits, fund, steps)?;
        }
    }
}

/// A 30% gap, and the bankrupt short's whole opposite side is a newcomer that bought the long's
/// BTC at the oracle with 10x: ADL at the short's bankruptcy price takes more than its equity.
/// The newcomer is resolved in turn: the fund is empty and it has no position left, so the rest
/// is written off: the fee pool first (empty here), then every account's collateral pro rata,
/// each charged on its next touch. Nobody is left below zero and the money is all there.
#[test]
fn a_deficit_beyond_the_opposite_sides_equity_is_socialized_over_all_collateral() {
    let (mut w, long, short) = seed();
    let newcomer = w.trader(13_500);
    let bystander = w.trader(10_000);
    w.set_price(130_000);
    w.trade(newcomer, long, Buy, 130_000, 1_000);
    assert_eq!(w.risk(short).equity, -19_999 * Q);
    let money = w.money();
    let out = w.resolve(short).unwrap();
    assert_eq!((out.uncovered, out.written_off), (19_999 * QUOTE, 0));
    // The newcomer's long closed at 130,000 - 19,999: it lost 19,999 of its 13,500.
    assert_eq!(w.risk(newcomer).equity, -6_499 * Q);
    w.check();
    let out = w.resolve(newcomer).unwrap();
    assert_eq!((out.deficit, out.insurance_paid, out.uncovered), (6_499 * QUOTE, 0, 6_499 * QUOTE));
    assert_eq!(out.written_off, 6_499 * QUOTE);
    assert_eq!(out.placement, LossPlacement { fee_pool_paid: 0, socialized: 6_499 * QUOTE, unplaced: 0 });
    assert_eq!(out.equity_after, 0);
    assert_eq!(w.money(), money);
    w.check();
    // Each account pays its share of 6,499 in proportion to its collateral, on its next touch.
    let collateral: Vec<u64> = (0..w.traders.len()).map(|t| w.collateral(t)).collect();
    let total = w.ledger.total_collateral;
    assert_eq!(collateral[newcomer], 0);
    let mut charged = 0;
    for (t, &held) in collateral.iter().enumerate() {
        let share = w.charge(t);
        let exact = 6_499 * QUOTE as u128 * u128::from(held) / u128::from(total);
        assert!(u128::from(share).abs_diff(exact) <= 1, "trader {t} paid {share}, its share is {exact}");
        charged += share;
        assert!(w.risk(t).equity >= 0);
    }
    assert_eq!(w.charge(bystander), 0, "charged once");
    // 6,499 x 10,000 / 35,000 = 1,856.857142..., rounded up, less the unit the long's rounded-up
    // share took already: the total charged is exactly the loss.
    assert_eq!(total, 35_000 * QUOTE);
    assert_eq!(w.collateral(bystander), 8_143_142_858);
    assert_eq!(charged, 6_499 * QUOTE);
    assert_eq!((w.ledger.socialized_losses, w.ledger.socialized_loss_due), (6_499 * QUOTE, 0));
    assert_eq!(w.money(), money);
    w.check();
}
