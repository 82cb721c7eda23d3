use super::*;
use crate::math::PRICE_PRECISION;
use proptest::prelude::*;

/// 0.001 BTC lots.
const LOT: u64 = 1_000_000;

fn per_lot(price_quote: u64) -> u64 {
    lot_notional(LOT, price_quote * PRICE_PRECISION).unwrap()
}

#[test]
fn seed_toy_trade() {
    // Buy 0.1 BTC (100 lots) at 86,000: pays 8,600; at 90,000 it is up 400.
    let mut long = Position::default();
    assert_eq!(per_lot(86_000), 86_000_000); // 86 quote per 0.001 BTC
    assert_eq!(long.apply_fill(100, per_lot(86_000)).unwrap(), 0);
    assert_eq!(long, Position { base_lots: 100, quote_entry: -8_600_000_000 });
    assert_eq!(long.unrealized_pnl(LOT, 90_000 * PRICE_PRECISION).unwrap(), 400_000_000);
    let mut short = Position::default();
    short.apply_fill(-100, per_lot(86_000)).unwrap();
    assert_eq!(short.unrealized_pnl(LOT, 90_000 * PRICE_PRECISION).unwrap(), -400_000_000);
    assert_eq!(long.notional(LOT, 90_000 * PRICE_PRECISION).unwrap(), 9_000_000_000);
}

#[test]
fn partial_close_realizes_its_share_and_keeps_the_entry_price() {
    let mut p = Position::default();
    p.apply_fill(100, per_lot(86_000)).unwrap();
    // Sell 40 lots at 90,000: realizes 40 x 4 = 160.
    assert_eq!(p.apply_fill(-40, per_lot(90_000)).unwrap(), 160_000_000);
    assert_eq!(p, Position { base_lots: 60, quote_entry: -5_160_000_000 }); // still 86,000 entry
                                                                            // Short side: sell 3 at 100, buy back 1 at 90 realizes +10 per lot of 0.001... at these lots 0.01.
    let mut s = Position::default();
    s.apply_fill(-3, per_lot(100)).unwrap();
    assert_eq!(s.apply_fill(1, per_lot(90)).unwrap(), 10_000);
    assert_eq!(s, Position { base_lots: -2, quote_entry: 200_000 });
}

#[test]
fn a_flip_closes_then_opens_at_the_fill_price() {
    let mut p = Position::default();
    p.apply_fill(10, per_lot(100)).unwrap();
    assert_eq!(p.apply_fill(-25, per_lot(110)).unwrap(), 100_000); // 10 lots x 0.01
    assert_eq!(p, Position { base_lots: -15, quote_entry: 1_650_000 });
}

#[test]
fn realized_pnl_rounds_against_the_trader() {
    // 3 lots bought for 10 token units in total (3.33.. each); selling 1 at 3 per lot.
    let mut p = Position { base_lots: 3, quote_entry: -10 };
    // released = floor(-10 / 3) = -4, realized = -4 + 3 = -1 (exact: -0.33).
    assert_eq!(p.apply_fill(-1, 3).unwrap(), -1);
    assert_eq!(p, Position { base_lots: 2, quote_entry: -6 });
    let mut s = Position { base_lots: -3, quote_entry: 10 };
    // released = floor(10 / 3) = 3, realized = 3 - 3 = 0 (exact: +0.33).
    assert_eq!(s.apply_fill(1, 3).unwrap(), 0);
}

#[test]
fn ticks_and_lots_that_do_not_make_whole_token_units_are_refused() {
    // 0.000000001 BTC at 1.5: 1.5e-9 quote per lot.
    assert_eq!(lot_notional(1, 1_500_000), Err(PerpError::InvalidTickOrLot));
    assert_eq!(lots_value(i64::MAX, u64::MAX, u64::MAX, Rounding::Down), Err(PerpError::MathOverflow));
}

proptest! {
    /// Two counterparties trading a random sequence: base sums to zero, and
    /// quote_entry + realized over both moves by exactly zero per fill.
    #[test]
    fn fills_conserve_cash(fills in proptest::collection::vec((-50i64..50, 1u64..200_000), 1..40)) {
        let (mut a, mut b) = (Position::default(), Position::default());
        let (mut ra, mut rb) = (0i64, 0i64);
        for (lots, px) in fills {
            ra += a.apply_fill(lots, px).unwrap();
            rb += b.apply_fill(-lots, px).unwrap();
            prop_assert_eq!(a.base_lots + b.base_lots, 0);
            prop_assert_eq!(a.quote_entry + b.quote_entry + ra + rb, 0);
            if a.base_lots == 0 { prop_assert_eq!(a.quote_entry, 0); }
        }
    }
}
