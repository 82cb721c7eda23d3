//! The ADL ring on in-memory markets: a backlog is refused until seats catch up, and what views
//! see (`effective_seat`) is what applying does.
use super::*;
use crate::engine::orders::OrderSide::Buy;
use crate::engine::test_market as tm;
use crate::engine::test_world::World;
use crate::state::adl::LONG;
use crate::state::MarketConfig;

fn no_fees() -> MarketConfig {
    tm::no_fee_config()
}

#[test]
fn an_event_past_the_ring_waits_for_the_seats_of_the_first() {
    let mut w = World::new(no_fees(), 100_000);
    let long = w.trader(10_000_000);
    let shorts: Vec<usize> = (0..=ADL_RING).map(|_| w.trader(1_001)).collect();
    for &s in &shorts {
        w.trade(long, s, Buy, 100_000, 100);
    }
    w.set_price(120_000);
    for &s in &shorts[..ADL_RING] {
        w.resolve(s).unwrap();
    }
    assert_eq!(w.view().header.adl[LONG].next_seq, ADL_RING as u64);
    let last = shorts[ADL_RING];
    // The long has applied none of them: one more would overwrite the first. (The engine
    // fails after changing the in-memory accounts; on chain the transaction reverts: try a copy.)
    assert_eq!(w.clone().resolve(last).unwrap_err(), PerpError::AdlBacklog);
    // Once the long has been touched (anyone may: settle_funding), it goes through.
    let money = w.money();
    let applied = w.settle(long)[0].adl.as_deref().copied().unwrap();
    assert_eq!((applied.events, w.position(long)), (ADL_RING as u32, 100));
    w.resolve(last).unwrap();
    w.settle(long);
    assert_eq!(w.position(long), 0, "the ninth closed the rest (f = 1)");
    assert_eq!(w.money(), money);
    w.check();
}

#[test]
fn effective_seat_is_what_applying_does() {
    let mut w = World::new(no_fees(), 100_000);
    let long = w.trader(1_000_000);
    let other = w.trader(1_000_000);
    let short = w.trader(10_001);
    let safe = w.trader(1_000_000);
    w.trade(long, short, Buy, 100_000, 700);
    w.trade(other, safe, Buy, 100_000, 300);
    w.set_price(120_000);
    w.resolve(short).unwrap();
    w.apply_funding(5_000, 4_999);
    let index = w.traders[long].1.seat_in(&w.key).unwrap();
    let (header, seat) = {
        let view = w.view();
        (*view.header, *view.seat(index).unwrap())
    };
    let (effective, pending) = effective_seat(&header, &seat).unwrap();
    let pending = pending.unwrap();
    let mut applied_header = header;
    let mut applied_seat = seat;
    let applied = apply_pending_adl(&mut applied_header, &mut applied_seat).unwrap().unwrap();
    assert_eq!(pending, applied);
    assert_eq!((effective.base_lots, effective.quote_entry), (applied_seat.base_lots, applied_seat.quote_entry));
    assert_eq!(effective.unsettled_quote, applied_seat.unsettled_quote);
    // 700 of 1,000 long lots keep 300/1,000 of themselves: 210.
    assert_eq!(applied_seat.base_lots, 210);
    // Funding up to the event (none accrued before it); from the event on, on the 210 lots left.
    assert_eq!(applied.funding_paid, 0);
    assert_eq!(applied.insurance_refund, 490 * 5_000, "funding on the closed lots since the event");
}
