//! Liquidation on in-memory markets, with the seed's Reg-T numbers (`test_market::reg_t_config`:
//! 50% initial, 25% maintenance, no fees, a 1% penalty half to the insurance fund, a 0.5%
//! buffer). Lots are 0.001 BTC.
use super::*;
use crate::engine::orders::OrderSide;
use crate::engine::test_market::{self as tm, PRICE, QUOTE};
use crate::engine::test_world::World;
use crate::state::MarketConfig;

fn reg_t() -> MarketConfig {
    tm::reg_t_config()
}

/// The seed's example: $50,001 (1 of it the seat deposit) buys 1 BTC at $100,000 at 50% initial
/// from a well-funded seller; a liquidator with $100,000 stands by.
fn seed() -> (World, usize, usize, usize) {
    let mut w = World::new(reg_t(), 100_000);
    let long = w.trader(50_001);
    let short = w.trader(1_000_000);
    let liquidator = w.trader(100_000);
    w.order(long, OrderSide::Buy, 100_000, 1_000).unwrap();
    w.order(short, OrderSide::Sell, 100_000, 1_000).unwrap();
    assert_eq!(w.position(long), 1_000);
    (w, long, short, liquidator)
}

#[test]
fn at_70k_nothing_can_be_liquidated() {
    let (mut w, long, _, liquidator) = seed();
    w.set_price(70_000);
    let risk = w.risk(long);
    // Equity 50,001 - 30,000 = 20,001 against 25% of 70,000 = 17,500.
    assert_eq!((risk.equity, risk.maintenance), (20_001 * QUOTE as i64, 17_500 * QUOTE));
    let money = w.money();
    assert_eq!(w.liquidate(long, liquidator).unwrap_err(), PerpError::NotLiquidatable);
    assert_eq!(w.position(long), 1_000);
    assert_eq!(w.money(), money);
}

#[test]
fn below_about_66_7k_it_is_liquidated_partially_first() {
    let (mut w, long, _, liquidator) = seed();
    // The threshold: P - 49,999 < 0.25 P, so P < 66,665.33.
    w.set_price(66_666);
    assert!(!w.risk(long).below_maintenance().unwrap());
    w.set_price(66_665);
    assert!(w.risk(long).below_maintenance().unwrap());
    w.set_price(66_000);
    let money = w.money();
    let out = w.liquidate(long, liquidator).unwrap();
    // Margin short by 829 (16,001 against 25.5% of 66,000); each lot taken gains
    // 66 x (25% + 0.5% - 1%) = 16.17, so 52 lots (51 leave it short).
    assert_eq!(out.lots, 52);
    assert_eq!(out.notional, 3_432 * QUOTE);
    assert_eq!(out.penalty, PenaltySplit { total: 34_320_000, to_liquidator: 17_160_000, to_insurance: 17_160_000 });
    // 66,000 x (1 - (1 - 0.5) x 1%) = 65,670.
    assert_eq!(out.transfer_price, 65_670 * PRICE);
    assert_eq!((out.equity_before, out.equity_after), (16_001 * QUOTE as i64, 16_001 * QUOTE as i64 - 34_320_000));
    assert_eq!(out.maintenance_after, 15_642 * QUOTE);
    assert!(out.equity_after >= out.maintenance_after as i64);
    assert_eq!((w.position(long), w.position(liquidator)), (948, 52));
    assert_eq!(w.ledger.insurance_fund, 17_160_000);
    assert_eq!(w.ledger.insurance_from_penalties, 17_160_000);
    // The liquidator holds 52 lots bought at the oracle and its part of the penalty.
    let l = w.risk(liquidator);
    assert_eq!(l.equity, (100_000 * QUOTE + 17_160_000) as i64);
    assert_eq!(w.money(), money, "no token created or lost");
    w.check();
    // Margin restored: a second call finds nothing to do.
    assert_eq!(w.liquidate(long, liquidator).unwrap_err(), PerpError::NotLiquidatable);
}

#[test]
fn a_penalty_larger_than_equity_is_capped_and_everything_is_taken() {
    let (mut w, long, _, liquidator) = seed();
    // Equity 1 quote at 50,000: nothing less than all restores margin.
    w.set_price(50_000);
    let money = w.money();
    let out = w.liquidate(long, liquidator).unwrap();
    assert_eq!(out.lots, 1_000);
    assert_eq!(out.penalty.total, QUOTE, "capped by the equity");
    assert_eq!(out.equity_after, 0);
    assert_eq!(w.position(long), 0);
    assert_eq!(w.money(), money);
    w.check();
}

#[test]
fn a_remainder_below_the_minimum_notional_is_taken_too() {
    let mut config = reg_t();
    config.min_order_notional = 70_000 * QUOTE;
    // The program wants a seat deposit of at least the minimum order.
    config.seat_deposit = config.min_order_notional;
    config.funding_impact_notional = 70_000 * QUOTE;
    let mut w = World::new(config, 100_000);
    let long = w.trader(230_000);
    let short = w.trader(1_000_000);
    let liquidator = w.trader(200_000);
    w.order(long, OrderSide::Buy, 100_000, 3_000).unwrap();
    w.order(short, OrderSide::Sell, 100_000, 3_000).unwrap();
    // At 25,000: equity 230,000 - 225,000 = 5,000 against 18,750 of maintenance; the position
    // is worth 75,000. Restoring maintenance takes about 2.3 BTC and would leave about 17,700
    // of notional, below the 70,000 minimum: all of it goes.
    w.set_price(25_000);
    assert_eq!(w.liquidate(long, liquidator).unwrap().lots, 3_000);
    w.check();
}

#[test]
fn a_short_is_taken_over_above_the_oracle() {
    let (mut w, _, short, liquidator) = seed();
    // The short (1,000,000 of equity at 100,000) is below maintenance above 880,000: at 900,000
    // equity 200,000 < 225,000.
    w.set_price(900_000);
    let poor = w.trader(10_000);
    let money = w.money();
    // 134 lots at 900 need 60,300 of initial margin: too much for 10,000. (The engine fails after
    // changing the in-memory accounts; on chain the transaction reverts, so try it on a copy.)
    assert_eq!(w.clone().liquidate(short, poor).unwrap_err(), PerpError::LiquidatorBelowInitial);
    let out = w.liquidate(short, liquidator).unwrap();
    assert_eq!(out.lots, 134);
    // 900,000 x (1 + 0.5%) = 904,500.
    assert_eq!(out.transfer_price, 904_500 * PRICE);
    assert!(out.equity_after >= out.maintenance_after as i64);
    assert_eq!(w.position(short), -1_000 + 134);
    assert_eq!(w.position(liquidator), -134);
    assert_eq!(w.money(), money);
    w.check();
}

#[test]
fn rejections_change_nothing() {
    let (mut w, long, _, liquidator) = seed();
    w.set_price(40_000);
    let (money, position) = (w.money(), w.position(long));
    // Below zero equity: bankruptcy resolution, not liquidation.
    assert_eq!(w.liquidate(long, liquidator).unwrap_err(), PerpError::AccountBankrupt);
    w.set_price(66_000);
    // Oneself: another sub-account of the same owner.
    let owner = w.traders[long].1.owner;
    w.traders[liquidator].1.owner = owner;
    assert_eq!(w.liquidate(long, liquidator).unwrap_err(), PerpError::CannotLiquidateSelf);
    assert_eq!((w.money(), w.position(long)), (money, position));
}

#[test]
fn the_liquidated_accounts_orders_are_cancelled_first() {
    let (mut w, long, _, liquidator) = seed();
    // A resting ask of the long (it would reduce its position) at 101,000.
    w.order(long, OrderSide::Sell, 101_000, 10).unwrap();
    w.set_price(66_000);
    let risk = w.risk(long);
    assert!(risk.equity >= 0 && risk.below_maintenance().unwrap());
    let out = w.liquidate(long, liquidator).unwrap();
    assert_eq!(out.cancels.len(), 1);
    assert_eq!((out.cancels[0].reason, out.cancels[0].base_lots), (CancelReason::Liquidation, 10));
    assert_eq!(out.lots, 52);
    w.check();
}

/// The liquidator, short 10 with a reduce-only bid for it, and the long with `asks` one-lot asks
/// resting; the price at 66,000 (the long is liquidated for 52 lots, which flips the
/// liquidator's short).
fn liquidator_with_a_reduce_only_bid(asks: u64) -> (World, usize, usize) {
    let (mut w, long, _, liquidator) = seed();
    let dealer = w.trader(100_000);
    w.trade(liquidator, dealer, OrderSide::Sell, 100_000, 10);
    w.place(liquidator, OrderSide::Buy, 99_000, 10, true).unwrap();
    for i in 0..asks {
        w.order(long, OrderSide::Sell, 101_000 + i, 1).unwrap();
    }
    w.set_price(66_000);
    (w, long, liquidator)
}

#[test]
fn a_takeover_that_shrinks_the_liquidators_position_trims_its_reduce_only_orders() {
    let (mut w, long, liquidator) = liquidator_with_a_reduce_only_bid(31);
    let out = w.liquidate(long, liquidator).unwrap();
    assert_eq!(out.lots, 52);
    assert_eq!(w.position(liquidator), 42);
    let reasons: Vec<_> = out.cancels.iter().map(|c| c.reason).collect();
    assert_eq!(reasons, [vec![CancelReason::Liquidation; 31], vec![CancelReason::ReduceOnly]].concat());
    let trim = out.cancels[31];
    assert_eq!((trim.base_lots, trim.price), (10, 99_000 * PRICE));
    assert_eq!(w.view().book(crate::state::book::Side::Bid).len(), 0, "no bid left");
    w.check();
}

#[test]
fn a_liquidation_whose_cancels_and_trims_pass_the_order_cap_is_refused() {
    // The long's 32 asks and the liquidator's bid: 33 orders in one liquidation.
    let (mut w, long, liquidator) = liquidator_with_a_reduce_only_bid(32);
    // (The transaction reverts as a whole: on chain nothing changes, tests/tests/hardening.rs.)
    assert_eq!(w.liquidate(long, liquidator).unwrap_err(), PerpError::ReduceOnlyViolation);
    // With the account's orders pulled first (a liquidation of its orders alone is what the
    // keeper does), the takeover goes through.
    let (mut w, long, liquidator) = liquidator_with_a_reduce_only_bid(32);
    let seat = w.traders[long].1.seat_in(&w.key).unwrap();
    crate::engine::orders::cancel_all(&mut w.view(), seat, CancelReason::User).unwrap();
    let out = w.liquidate(long, liquidator).unwrap();
    assert_eq!(out.cancels.iter().map(|c| c.reason).collect::<Vec<_>>(), vec![CancelReason::ReduceOnly]);
    w.check();
}
