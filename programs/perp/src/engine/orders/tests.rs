//! Hand-checked tests of the matching engine on in-memory markets (`engine::test_market`).
//!
//! Numbers: the oracle is 1,000 quote; prices are quote x `PRICE` (1e6) and a lot is 0.001
//! base, so one lot at P quote is worth P / 1,000 quote = P x 1,000 token units (1 lot at
//! 1,000 = 1 quote = the minimum notional). Price band 900..=1,100, fill band 950..=1,050.
//! Fees: taker 500 ppm, maker 200 ppm of the notional, rounded up.
use super::*;
use crate::engine::test_market::{self as tm, PRICE};
use crate::state::market::MarketHeader;
use proptest::prelude::*;

/// 2025-10-11 00:00:00 UTC.
const T0: i64 = 1_760_140_800;
const ORACLE: u64 = 1_000;

fn new_market(order_capacity: u32, seat_capacity: u32) -> Vec<u8> {
    tm::market(&tm::config(), &tm::layout(order_capacity, seat_capacity), T0, ORACLE).unwrap()
}

fn claim(data: &mut [u8], n: usize) -> Vec<u32> {
    (0..n).map(|_| tm::seat(data).unwrap()).collect()
}

fn params(
    side: OrderSide,
    order_type: OrderType,
    price_quote: u64,
    base_lots: u64,
    reduce_only: bool,
    client_order_id: u64,
) -> OrderParams {
    OrderParams { side, order_type, price: price_quote * PRICE, base_lots, reduce_only, client_order_id }
}

fn reduce_only(
    data: &mut [u8],
    seat: u32,
    side: OrderSide,
    order_type: OrderType,
    price_quote: u64,
    lots: u64,
) -> core::result::Result<PlaceOutcome, PerpError> {
    tm::place(data, seat, &params(side, order_type, price_quote, lots, true, 7))
}

fn seat_of(data: &mut [u8], seat: u32) -> Seat {
    *tm::view(data).unwrap().seat(seat).unwrap()
}

fn header_of(data: &mut [u8]) -> MarketHeader {
    *tm::view(data).unwrap().header
}

fn trader_of(data: &mut [u8], seat: u32) -> Pubkey {
    seat_of(data, seat).trader
}

/// The side's orders best first: (price in quote, lots, seq, seat).
fn book_orders(data: &mut [u8], side: Side) -> Vec<(u64, u64, u64, u32)> {
    let view = tm::view(data).unwrap();
    let book = view.book(side);
    book.iter()
        .map(|index| {
            let node = book.get(index).unwrap();
            (node.price / PRICE, node.base_lots, node.seq, node.seat)
        })
        .collect()
}

/// (maker seat, maker order seq, maker client id, price in quote, lots) of each fill.
fn fill_summary(outcome: &PlaceOutcome) -> Vec<(u32, u64, u64, u64, u64)> {
    outcome
        .fills
        .iter()
        .map(|f| (f.maker_seat, f.maker_order_seq, f.maker_client_order_id, f.price / PRICE, f.base_lots))
        .collect()
}

/// (seat, order seq, price in quote, lots, reason) of each cancel.
fn cancel_summary(outcome: &PlaceOutcome) -> Vec<(u32, u64, u64, u64, CancelReason)> {
    outcome.cancels.iter().map(|c| (c.seat, c.order_seq, c.price / PRICE, c.base_lots, c.reason)).collect()
}

/// Seat fields a fill changes: (base_lots, quote_entry, unsettled_quote, realized_pnl).
fn position_of(data: &mut [u8], seat: u32) -> (i64, i64, i64, i64) {
    let s = seat_of(data, seat);
    (s.base_lots, s.quote_entry, s.unsettled_quote, s.realized_pnl)
}

/// A seat's reservations: (open_bid_lots, open_bid_notional, open_ask_lots, open_ask_notional, order_count).
fn open_of(data: &mut [u8], seat: u32) -> (u64, u64, u64, u64, u32) {
    let s = seat_of(data, seat);
    (s.open_bid_lots, s.open_bid_notional, s.open_ask_lots, s.open_ask_notional, s.order_count)
}

fn ceil_ppm(amount: u64, ppm: u64) -> u64 {
    (amount * ppm).div_ceil(1_000_000)
}

/// Everything that must hold between the book, the seats and the header after any step:
/// - every live book order belongs to a live seat that lists it (and every listed order is
///   on the book with that seat), `order_count` counts the slots;
/// - each seat's open lots / notional are the sums over its resting orders;
/// - long base == short base == `open_interest_lots`;
/// - the header's sums are the sums over the seats;
/// - the book is sorted best first and never crossed.
fn assert_consistent(data: &mut [u8]) {
    let view = tm::view(data).unwrap();
    let seat_count = view.seats.len();
    // [bid, ask] lots and notional, and order count, per seat, from the book.
    let mut lots = vec![[0u64; 2]; seat_count];
    let mut notional = vec![[0u64; 2]; seat_count];
    let mut orders = vec![0u32; seat_count];
    for (k, side) in [Side::Bid, Side::Ask].into_iter().enumerate() {
        let book = view.book(side);
        let indices: Vec<u32> = book.iter().collect();
        assert_eq!(indices.len() as u32, book.len(), "{side:?} walk misses orders");
        let mut previous: Option<(u64, u64)> = None;
        for index in indices {
            let node = book.get(index).unwrap();
            assert!(node.base_lots > 0, "empty order on the book");
            if let Some((price, seq)) = previous {
                let ordered = match side {
                    Side::Bid => price > node.price || (price == node.price && seq < node.seq),
                    Side::Ask => price < node.price || (price == node.price && seq < node.seq),
                };
                assert!(ordered, "{side:?} not in price-time order");
            }
            previous = Some((node.price, node.seq));
            let seat = view.seat(node.seat).expect("book order of a free seat");
            assert!(seat.orders.contains(&encode_order(side, index)), "book order not listed by its seat");
            let s = node.seat as usize;
            lots[s][k] += node.base_lots;
            notional[s][k] += lot_notional(view.header.lot_size, node.price).unwrap() * node.base_lots;
            orders[s] += 1;
        }
    }
    if let (Some(bid), Some(ask)) = (view.book(Side::Bid).best(), view.book(Side::Ask).best()) {
        let (bid, ask) = (view.book(Side::Bid).get(bid).unwrap().price, view.book(Side::Ask).get(ask).unwrap().price);
        assert!(bid < ask, "crossed book: bid {bid} >= ask {ask}");
    }
    let (mut long, mut short, mut entry, mut unsettled, mut deposits, mut live) = (0i64, 0i64, 0i64, 0i64, 0u64, 0u32);
    for (i, seat) in view.seats.iter().enumerate() {
        if seat.is_free() {
            assert_eq!(orders[i], 0);
            continue;
        }
        live += 1;
        let mut slots: Vec<u32> = seat.orders.iter().copied().filter(|o| *o != NIL).collect();
        assert_eq!(slots.len(), seat.order_count as usize, "seat {i}: order_count");
        assert_eq!(orders[i], seat.order_count, "seat {i}: listed orders vs book orders");
        for slot in &slots {
            let (side, index) = decode_order(*slot);
            let node = view.book(side).get(index).expect("listed order not on the book");
            assert_eq!(node.seat, i as u32, "listed order of another seat");
        }
        slots.sort_unstable();
        slots.dedup();
        assert_eq!(slots.len(), seat.order_count as usize, "seat {i}: an order listed twice");
        assert_eq!((seat.open_bid_lots, seat.open_ask_lots), (lots[i][0], lots[i][1]), "seat {i}: open lots");
        assert_eq!(
            (seat.open_bid_notional, seat.open_ask_notional),
            (notional[i][0], notional[i][1]),
            "seat {i}: open notional"
        );
        long += seat.base_lots.max(0);
        short += (-seat.base_lots).max(0);
        entry += seat.quote_entry;
        unsettled += seat.unsettled_quote;
        deposits += seat.seat_deposit;
    }
    let header = &*view.header;
    assert_eq!(long, short, "long base != short base");
    assert_eq!(header.open_interest_lots, long as u64, "open interest");
    assert_eq!(header.sum_quote_entry, entry, "sum_quote_entry");
    assert_eq!(header.sum_unsettled_quote, unsettled, "sum_unsettled_quote");
    assert_eq!(header.sum_seat_deposits, deposits, "sum_seat_deposits");
    assert_eq!(header.seat_count, live, "seat_count");
}

/// Every seat's reduce-only orders fit its position (`trim_reduce_only`'s rule): none on the
/// side that would grow it, and on the side that reduces it at most the position less the
/// seat's other orders there.
fn assert_reduce_only_fits(data: &mut [u8]) {
    let view = tm::view(data).unwrap();
    for (i, seat) in view.seats.iter().enumerate().filter(|(_, s)| !s.is_free()) {
        let mut reduce_only = [0u64; 2];
        let mut other = [0u64; 2];
        for slot in seat.orders.iter().copied().filter(|o| *o != NIL) {
            let (side, index) = decode_order(slot);
            let node = view.book(side).get(index).unwrap();
            let k = usize::from(side == Side::Ask);
            if node.reduce_only != 0 {
                reduce_only[k] += node.base_lots;
            } else {
                other[k] += node.base_lots;
            }
        }
        let k = usize::from(seat.base_lots > 0);
        let room = seat.base_lots.unsigned_abs().saturating_sub(other[k]);
        assert_eq!(
            reduce_only[1 - k] * u64::from(seat.base_lots != 0),
            0,
            "seat {i}: reduce-only orders that would grow it"
        );
        if seat.base_lots == 0 {
            assert_eq!(reduce_only, [0, 0], "seat {i}: reduce-only orders of a flat seat");
        }
        assert!(reduce_only[k] <= room, "seat {i}: reduce-only {} beyond the room {room}", reduce_only[k]);
    }
}

// --- 1. A fill settles the maker's seat in place ---

#[test]
fn a_fill_settles_the_maker_seat_in_place() {
    let mut data = new_market(16, 8);
    let [m, t, b, c] = claim(&mut data, 4)[..] else { unreachable!() };

    // m rests 10 lots at 1,013: 10 x 1,013,000 units reserved.
    let rested = tm::order_with_id(&mut data, m, OrderSide::Sell, OrderType::Limit, 1_013, 10, 11).unwrap();
    assert_eq!((rested.order_seq, rested.rested_lots, rested.filled_lots), (1, 10, 0));
    assert_eq!(open_of(&mut data, m), (0, 0, 10, 10_130_000, 1));
    assert_consistent(&mut data);

    // t buys 3: notional 3,039,000; taker fee 1,519.5 -> 1,520, maker fee 607.8 -> 608.
    let out = tm::order(&mut data, t, OrderSide::Buy, OrderType::ImmediateOrCancel, 1_013, 3).unwrap();
    let maker_trader = trader_of(&mut data, m);
    assert_eq!(
        out.fills,
        vec![FillRecord {
            maker_seat: m,
            maker_trader,
            maker_order_seq: 1,
            maker_client_order_id: 11,
            price: 1_013 * PRICE,
            base_lots: 3,
            maker_fee: 608,
            taker_fee: 1_520,
            maker_realized_pnl: 0,
            taker_realized_pnl: 0,
            maker_funding_paid: 0,
        }]
    );
    assert_eq!((out.order_seq, out.filled_lots, out.rested_lots), (2, 3, 0));
    assert!(out.cancels.is_empty());
    assert_eq!((out.fees_to_pool, out.fees_to_insurance), (2_128, 0));
    // The maker: short 3 with 3,039,000 received, the fee owed, 7 lots still reserved.
    assert_eq!(position_of(&mut data, m), (-3, 3_039_000, -608, 0));
    assert_eq!(open_of(&mut data, m), (0, 0, 7, 7_091_000, 1));
    assert_eq!(book_orders(&mut data, Side::Ask), vec![(1_013, 7, 1, m)]);
    assert_eq!(position_of(&mut data, t), (3, -3_039_000, -1_520, 0));
    assert_eq!(open_of(&mut data, t), (0, 0, 0, 0, 0));
    let h = header_of(&mut data);
    assert_eq!((h.open_interest_lots, h.sum_quote_entry, h.sum_unsettled_quote), (3, 0, -2_128));
    assert_eq!(h.next_order_seq, 3);
    assert_consistent(&mut data);

    // Cancelling releases the rest of the reservation.
    let cancel = cancel_by_client_id(&mut tm::view(&mut data).unwrap(), m, 11).unwrap();
    assert_eq!(
        cancel,
        CancelRecord {
            seat: m,
            trader: maker_trader,
            order_seq: 1,
            client_order_id: 11,
            side: OrderSide::Sell,
            price: 1_013 * PRICE,
            base_lots: 7,
            reason: CancelReason::User,
        }
    );
    assert_eq!(open_of(&mut data, m), (0, 0, 0, 0, 0));
    assert!(seat_of(&mut data, m).orders.iter().all(|o| *o == NIL));
    assert_eq!(cancel_by_client_id(&mut tm::view(&mut data).unwrap(), m, 11), Err(PerpError::OrderNotFound));
    assert_consistent(&mut data);

    // b bids 5 at 1,001; t sells 2 of its 3 into it: bought at 1,013, sold at 1,001, so
    // t realizes 2 x (1,001,000 - 1,013,000) = -24,000. Notional 2,002,000: taker fee 1,001,
    // maker fee 400.4 -> 401.
    tm::order_with_id(&mut data, b, OrderSide::Buy, OrderType::Limit, 1_001, 5, 21).unwrap();
    assert_eq!(open_of(&mut data, b), (5, 5_005_000, 0, 0, 1));
    let out = tm::order(&mut data, t, OrderSide::Sell, OrderType::ImmediateOrCancel, 1_001, 2).unwrap();
    assert_eq!(fill_summary(&out), vec![(b, 3, 21, 1_001, 2)]);
    let fill = out.fills[0];
    assert_eq!(
        (fill.maker_fee, fill.taker_fee, fill.maker_realized_pnl, fill.taker_realized_pnl),
        (401, 1_001, 0, -24_000)
    );
    assert_eq!(position_of(&mut data, t), (1, -1_013_000, -1_520 - 24_000 - 1_001, -24_000));
    assert_eq!(position_of(&mut data, b), (2, -2_002_000, -401, 0));
    assert_eq!(open_of(&mut data, b), (3, 3_003_000, 0, 0, 1));
    assert_eq!(header_of(&mut data).open_interest_lots, 3);
    assert_consistent(&mut data);

    // c takes b's last 3 lots: the order leaves the book and b's seat forgets it.
    // Notional 3,003,000: taker fee 1,501.5 -> 1,502, maker fee 600.6 -> 601.
    let out = tm::order(&mut data, c, OrderSide::Sell, OrderType::Limit, 1_001, 3).unwrap();
    assert_eq!(fill_summary(&out), vec![(b, 3, 21, 1_001, 3)]);
    assert_eq!((out.fills[0].maker_fee, out.fills[0].taker_fee, out.rested_lots), (601, 1_502, 0));
    assert_eq!(position_of(&mut data, b), (5, -5_005_000, -1_002, 0));
    assert_eq!(open_of(&mut data, b), (0, 0, 0, 0, 0));
    assert!(seat_of(&mut data, b).orders.iter().all(|o| *o == NIL));
    assert!(book_orders(&mut data, Side::Bid).is_empty());
    assert_eq!(position_of(&mut data, c), (-3, 3_003_000, -1_502, 0));
    assert_eq!(header_of(&mut data).open_interest_lots, 6);
    assert_consistent(&mut data);

    // The maker realizes: b (long 5 for 5,005,000) sells 2 at 1,020 as a maker. Released cost
    // 2/5 x -5,005,000 = -2,002,000; realized 2,040,000 - 2,002,000 = 38,000; maker fee 408.
    tm::order_with_id(&mut data, b, OrderSide::Sell, OrderType::Limit, 1_020, 2, 22).unwrap();
    let out = tm::order(&mut data, t, OrderSide::Buy, OrderType::ImmediateOrCancel, 1_020, 2).unwrap();
    assert_eq!(fill_summary(&out), vec![(b, 6, 22, 1_020, 2)]);
    let fill = out.fills[0];
    assert_eq!(
        (fill.maker_fee, fill.taker_fee, fill.maker_realized_pnl, fill.taker_realized_pnl),
        (408, 1_020, 38_000, 0)
    );
    assert_eq!(position_of(&mut data, b), (3, -3_003_000, -1_002 + 38_000 - 408, 38_000));
    assert_eq!(open_of(&mut data, b), (0, 0, 0, 0, 0));
    assert_eq!(position_of(&mut data, t), (3, -3_053_000, -26_521 - 1_020, -24_000));
    // Totals: realized -24,000 + 38,000 = 14,000; fees 2,128 + 1,402 + 2,103 + 1,428 = 7,061.
    let h = header_of(&mut data);
    assert_eq!(h.open_interest_lots, 6);
    assert_eq!(h.sum_unsettled_quote, 14_000 - 7_061);
    assert_eq!(h.sum_quote_entry, -14_000);
    assert_consistent(&mut data);
}

#[test]
fn a_fill_settles_both_seats_funding_before_changing_their_positions() {
    let mut data = new_market(16, 8);
    let [m, t] = claim(&mut data, 2)[..] else { unreachable!() };
    tm::order(&mut data, m, OrderSide::Sell, OrderType::Limit, 1_000, 10).unwrap();
    // Notional 4,000,000: taker fee 2,000, maker fee 800.
    tm::order(&mut data, t, OrderSide::Buy, OrderType::ImmediateOrCancel, 1_000, 4).unwrap();
    // An applied interval: longs pay 7,500 per lot, shorts receive 7,500 per lot.
    {
        let view = tm::view(&mut data).unwrap();
        view.header.cumulative_funding_long = 7_500;
        view.header.cumulative_funding_short = 7_500;
    }
    // Notional 2,000,000: maker fee 400, taker fee 1,000. m (short 4) receives 30,000 and t
    // (long 4) pays 30,000 before the fill.
    let out = tm::order(&mut data, t, OrderSide::Buy, OrderType::ImmediateOrCancel, 1_000, 2).unwrap();
    assert_eq!(out.fills[0].maker_funding_paid, -30_000);
    assert_eq!((out.fills[0].maker_fee, out.fills[0].taker_fee), (400, 1_000));
    let (ms, ts) = (seat_of(&mut data, m), seat_of(&mut data, t));
    assert_eq!((ms.base_lots, ms.unsettled_quote, ms.funding_paid), (-6, -800 + 30_000 - 400, -30_000));
    assert_eq!((ts.base_lots, ts.unsettled_quote, ts.funding_paid), (6, -2_000 - 30_000 - 1_000, 30_000));
    assert_eq!((ms.last_funding_short, ts.last_funding_long), (7_500, 7_500));
    let h = header_of(&mut data);
    assert_eq!((h.funding_settled_net, h.sum_unsettled_quote), (0, -4_200));
    assert_consistent(&mut data);
}

// --- 2. Price-time priority ---

#[test]
fn a_sweep_fills_the_best_price_first_and_the_oldest_order_first() {
    let mut data = new_market(16, 8);
    let [a, b, c, t] = claim(&mut data, 4)[..] else { unreachable!() };
    let sell = |data: &mut Vec<u8>, seat, price, lots, id| {
        tm::order_with_id(data, seat, OrderSide::Sell, OrderType::Limit, price, lots, id).unwrap().order_seq
    };
    assert_eq!(sell(&mut data, a, 1_003, 3, 1), 1);
    assert_eq!(sell(&mut data, b, 1_002, 2, 2), 2);
    assert_eq!(sell(&mut data, c, 1_004, 5, 3), 3);
    assert_eq!(sell(&mut data, c, 1_002, 4, 4), 4);
    assert_eq!(sell(&mut data, a, 1_003, 1, 5), 5);
    assert_eq!(
        book_orders(&mut data, Side::Ask),
        vec![(1_002, 2, 2, b), (1_002, 4, 4, c), (1_003, 3, 1, a), (1_003, 1, 5, a), (1_004, 5, 3, c)]
    );
    // Up to 1,003 for 9: both 1,002 orders, the older first, then the older 1,003 order.
    let out = tm::order(&mut data, t, OrderSide::Buy, OrderType::Limit, 1_003, 9).unwrap();
    assert_eq!(fill_summary(&out), vec![(b, 2, 2, 1_002, 2), (c, 4, 4, 1_002, 4), (a, 1, 1, 1_003, 3)]);
    assert_eq!((out.filled_lots, out.rested_lots), (9, 0));
    // Notional 2,004,000 / 4,008,000 / 3,009,000.
    let fees: Vec<(u64, u64)> = out.fills.iter().map(|f| (f.taker_fee, f.maker_fee)).collect();
    assert_eq!(fees, vec![(1_002, 401), (2_004, 802), (1_505, 602)]);
    assert_eq!(out.fees_to_pool, 1_002 + 401 + 2_004 + 802 + 1_505 + 602);
    // Up to 1,004 for 10: the last 1,003 order, then 1,004; the other 4 lots rest.
    let out = tm::order(&mut data, t, OrderSide::Buy, OrderType::Limit, 1_004, 10).unwrap();
    assert_eq!(fill_summary(&out), vec![(a, 5, 5, 1_003, 1), (c, 3, 3, 1_004, 5)]);
    assert_eq!((out.order_seq, out.filled_lots, out.rested_lots), (7, 6, 4));
    assert!(book_orders(&mut data, Side::Ask).is_empty());
    assert_eq!(book_orders(&mut data, Side::Bid), vec![(1_004, 4, 7, t)]);
    assert_consistent(&mut data);
    // Bids: best price first (highest), then the oldest.
    tm::order(&mut data, b, OrderSide::Buy, OrderType::Limit, 1_001, 3).unwrap(); // seq 8
    tm::order(&mut data, a, OrderSide::Buy, OrderType::Limit, 1_004, 2).unwrap(); // seq 9
    let out = tm::order(&mut data, c, OrderSide::Sell, OrderType::ImmediateOrCancel, 1_001, 7).unwrap();
    assert_eq!(fill_summary(&out), vec![(t, 7, 7, 1_004, 4), (a, 9, 7, 1_004, 2), (b, 8, 7, 1_001, 1)]);
    assert_eq!(book_orders(&mut data, Side::Bid), vec![(1_001, 2, 8, b)]);
    assert_eq!(position_of(&mut data, c).0, -9 - 7);
    assert_consistent(&mut data);
}

// --- 3. Order types ---

#[test]
fn limit_takes_at_the_makers_price_and_rests_the_remainder() {
    let mut data = new_market(16, 8);
    let [a, t] = claim(&mut data, 2)[..] else { unreachable!() };
    tm::order(&mut data, a, OrderSide::Sell, OrderType::Limit, 1_005, 3).unwrap();
    let out = tm::order_with_id(&mut data, t, OrderSide::Buy, OrderType::Limit, 1_006, 5, 9).unwrap();
    assert_eq!(fill_summary(&out), vec![(a, 1, 7, 1_005, 3)]);
    assert_eq!((out.order_seq, out.filled_lots, out.rested_lots), (2, 3, 2));
    assert_eq!(book_orders(&mut data, Side::Bid), vec![(1_006, 2, 2, t)]);
    assert_eq!(open_of(&mut data, t), (2, 2_012_000, 0, 0, 1));
    assert_eq!(position_of(&mut data, t).0, 3);
    let view = tm::view(&mut data).unwrap();
    let node = view.book(Side::Bid).get(view.book(Side::Bid).best().unwrap()).unwrap();
    assert_eq!((node.client_order_id, node.reduce_only), (9, 0));
    assert_consistent(&mut data);
}

#[test]
fn post_only_rests_when_it_does_not_cross() {
    let mut data = new_market(16, 8);
    let [a, t] = claim(&mut data, 2)[..] else { unreachable!() };
    tm::order(&mut data, a, OrderSide::Sell, OrderType::Limit, 1_005, 3).unwrap();
    let out = tm::order(&mut data, t, OrderSide::Buy, OrderType::PostOnly, 1_004, 2).unwrap();
    assert_eq!((out.filled_lots, out.rested_lots, out.fills.len(), out.cancels.len()), (0, 2, 0, 0));
    assert_eq!(book_orders(&mut data, Side::Bid), vec![(1_004, 2, 2, t)]);
    assert_consistent(&mut data);
}

/// A post-only order that would cross, against another trader's ask and against the
/// trader's own bid (no self-trade exemption).
fn post_only_crossing_market() -> (Vec<u8>, u32) {
    let mut data = new_market(16, 8);
    let [a, t] = claim(&mut data, 2)[..] else { unreachable!() };
    tm::order(&mut data, a, OrderSide::Sell, OrderType::Limit, 1_005, 3).unwrap();
    tm::order(&mut data, t, OrderSide::Buy, OrderType::Limit, 1_002, 3).unwrap();
    (data, t)
}

#[test]
fn post_only_that_would_cross_changes_nothing() {
    let (mut data, t) = post_only_crossing_market();
    let before = data.clone();
    assert_eq!(
        tm::order(&mut data, t, OrderSide::Buy, OrderType::PostOnly, 1_005, 2),
        Err(PerpError::PostOnlyWouldCross)
    );
    assert!(data == before, "a rejected post-only order changed the market account");
}

#[test]
fn ioc_cancels_the_remainder() {
    let mut data = new_market(16, 8);
    let [a, t] = claim(&mut data, 2)[..] else { unreachable!() };
    tm::order(&mut data, a, OrderSide::Sell, OrderType::Limit, 1_005, 3).unwrap();
    tm::order(&mut data, a, OrderSide::Sell, OrderType::Limit, 1_030, 3).unwrap();
    let out = tm::order(&mut data, t, OrderSide::Buy, OrderType::ImmediateOrCancel, 1_010, 5).unwrap();
    assert_eq!(fill_summary(&out), vec![(a, 1, 7, 1_005, 3)]);
    assert_eq!((out.filled_lots, out.rested_lots), (3, 0));
    assert!(book_orders(&mut data, Side::Bid).is_empty());
    assert_eq!(book_orders(&mut data, Side::Ask), vec![(1_030, 3, 2, a)]);
    assert_eq!(open_of(&mut data, t), (0, 0, 0, 0, 0));
    // Nothing crossing: an IOC does nothing at all but take a sequence number.
    let out = tm::order(&mut data, t, OrderSide::Buy, OrderType::ImmediateOrCancel, 1_029, 5).unwrap();
    assert_eq!((out.filled_lots, out.rested_lots, out.fills.len()), (0, 0, 0));
    assert_consistent(&mut data);
}

#[test]
fn market_takes_up_to_its_worst_price_and_cancels_the_remainder() {
    let mut data = new_market(16, 8);
    let [a, t] = claim(&mut data, 2)[..] else { unreachable!() };
    tm::order(&mut data, a, OrderSide::Sell, OrderType::Limit, 1_005, 3).unwrap();
    tm::order(&mut data, a, OrderSide::Sell, OrderType::Limit, 1_030, 3).unwrap();
    // A market order needs a worst price; the rejection changes nothing.
    let before = data.clone();
    assert_eq!(
        tm::place(&mut data, t, &params(OrderSide::Buy, OrderType::Market, 0, 5, false, 1)),
        Err(PerpError::MissingWorstPrice)
    );
    assert!(data == before);
    let out = tm::order(&mut data, t, OrderSide::Buy, OrderType::Market, 1_010, 5).unwrap();
    assert_eq!(fill_summary(&out), vec![(a, 1, 7, 1_005, 3)]);
    assert_eq!((out.filled_lots, out.rested_lots), (3, 0));
    assert!(book_orders(&mut data, Side::Bid).is_empty());
    assert_eq!(book_orders(&mut data, Side::Ask), vec![(1_030, 3, 2, a)]);
    // The worst price need not be on the tick nor in the price band (it only limits).
    let mut off_tick = params(OrderSide::Buy, OrderType::Market, 0, 1, false, 1);
    off_tick.price = 1_030 * PRICE + PRICE / 2;
    let out = tm::place(&mut data, t, &off_tick).unwrap();
    assert_eq!(fill_summary(&out), vec![(a, 2, 7, 1_030, 1)]);
    let out = tm::order(&mut data, t, OrderSide::Buy, OrderType::Market, 5_000, 5).unwrap();
    assert_eq!(fill_summary(&out), vec![(a, 2, 7, 1_030, 2)]);
    assert_eq!((out.filled_lots, out.rested_lots), (2, 0));
    assert!(book_orders(&mut data, Side::Ask).is_empty());
    assert_eq!(open_of(&mut data, t), (0, 0, 0, 0, 0));
    assert_eq!(position_of(&mut data, t).0, 6);
    assert_consistent(&mut data);
}

#[test]
fn invalid_orders_are_rejected_before_any_change() {
    let mut data = new_market(16, 8);
    let [t] = claim(&mut data, 1)[..] else { unreachable!() };
    let cases = [
        (params(OrderSide::Buy, OrderType::Limit, 1_000, 0, false, 1), PerpError::InvalidOrderSize),
        (params(OrderSide::Buy, OrderType::Limit, 899, 5, false, 1), PerpError::PriceOutsideBand),
        (params(OrderSide::Sell, OrderType::Limit, 1_101, 5, false, 1), PerpError::PriceOutsideBand),
        // 1 lot at 999 = 0.999 quote < 1 quote.
        (params(OrderSide::Buy, OrderType::Limit, 999, 1, false, 1), PerpError::OrderBelowMinNotional),
        (params(OrderSide::Buy, OrderType::ImmediateOrCancel, 0, 1, false, 1), PerpError::PriceNotOnTick),
    ];
    for (p, error) in cases {
        let before = data.clone();
        assert_eq!(tm::place(&mut data, t, &p), Err(error), "{p:?}");
        assert!(data == before, "{p:?}");
    }
    let mut off_tick = params(OrderSide::Buy, OrderType::Limit, 1_000, 1, false, 1);
    off_tick.price += PRICE / 2;
    assert_eq!(tm::place(&mut data, t, &off_tick), Err(PerpError::PriceNotOnTick));
    // The band edges and the minimum notional are accepted.
    tm::order(&mut data, t, OrderSide::Buy, OrderType::Limit, 900, 2).unwrap();
    tm::order(&mut data, t, OrderSide::Sell, OrderType::Limit, 1_100, 1).unwrap();
    tm::order(&mut data, t, OrderSide::Buy, OrderType::Limit, 1_000, 1).unwrap();
    assert_consistent(&mut data);
}

#[test]
fn reduce_only_never_grows_or_flips_a_position() {
    let mut data = new_market(16, 8);
    let [a, m] = claim(&mut data, 2)[..] else { unreachable!() };
    // Flat: a reduce-only order of either side would open a position.
    for side in [OrderSide::Buy, OrderSide::Sell] {
        let before = data.clone();
        assert_eq!(
            reduce_only(&mut data, a, side, OrderType::ImmediateOrCancel, 1_000, 1),
            Err(PerpError::ReduceOnlyViolation)
        );
        assert!(data == before);
    }
    tm::order(&mut data, m, OrderSide::Sell, OrderType::Limit, 1_000, 20).unwrap();
    tm::order(&mut data, a, OrderSide::Buy, OrderType::ImmediateOrCancel, 1_000, 10).unwrap();
    assert_eq!(position_of(&mut data, a).0, 10);
    // Long 10: a buy would grow it, a sell of 11 would flip it. Neither changes anything,
    // even though the sell of 11 would fill against resting liquidity.
    tm::order(&mut data, m, OrderSide::Buy, OrderType::Limit, 990, 20).unwrap();
    let before = data.clone();
    assert_eq!(
        reduce_only(&mut data, a, OrderSide::Buy, OrderType::Limit, 1_000, 2),
        Err(PerpError::ReduceOnlyViolation)
    );
    assert_eq!(
        reduce_only(&mut data, a, OrderSide::Sell, OrderType::ImmediateOrCancel, 990, 11),
        Err(PerpError::ReduceOnlyViolation)
    );
    assert_eq!(
        reduce_only(&mut data, a, OrderSide::Sell, OrderType::Market, 900, 11),
        Err(PerpError::ReduceOnlyViolation)
    );
    assert!(data == before);
    // Exactly the position is fine: the seat ends flat.
    let out = reduce_only(&mut data, a, OrderSide::Sell, OrderType::Market, 900, 10).unwrap();
    assert_eq!(fill_summary(&out), vec![(m, 3, 7, 990, 10)]);
    assert_eq!(position_of(&mut data, a).0, 0);
    assert_consistent(&mut data);
}

#[test]
fn a_resting_reduce_only_order_is_trimmed_when_its_own_order_shrinks_the_position() {
    let mut data = new_market(16, 8);
    let [a, m, t] = claim(&mut data, 3)[..] else { unreachable!() };
    tm::order(&mut data, m, OrderSide::Sell, OrderType::Limit, 1_000, 10).unwrap(); // seq 1
    tm::order(&mut data, a, OrderSide::Buy, OrderType::ImmediateOrCancel, 1_000, 10).unwrap(); // seq 2

    // a (long 10) rests a reduce-only ask for its whole position.
    let out = reduce_only(&mut data, a, OrderSide::Sell, OrderType::Limit, 1_010, 10).unwrap(); // seq 3
    assert_eq!(out.rested_lots, 10);
    let view = tm::view(&mut data).unwrap();
    assert_eq!(view.book(Side::Ask).get(view.book(Side::Ask).best().unwrap()).unwrap().reduce_only, 1);
    // a then sells 6 elsewhere: only 4 lots are left to reduce, and that same order trims its
    // reduce-only ask to 4 (it keeps its place in the book).
    tm::order(&mut data, m, OrderSide::Buy, OrderType::Limit, 1_000, 6).unwrap(); // seq 4
    let out = tm::order(&mut data, a, OrderSide::Sell, OrderType::ImmediateOrCancel, 1_000, 6).unwrap(); // seq 5
    assert_eq!(fill_summary(&out), vec![(m, 4, 7, 1_000, 6)]);
    assert_eq!(cancel_summary(&out), vec![(a, 3, 1_010, 6, CancelReason::ReduceOnly)]);
    assert_eq!(position_of(&mut data, a).0, 4);
    assert_eq!(open_of(&mut data, a), (0, 0, 4, 4_040_000, 1));
    assert_eq!(book_orders(&mut data, Side::Ask), vec![(1_010, 4, 3, a)]);
    assert_reduce_only_fits(&mut data);
    tm::order(&mut data, m, OrderSide::Sell, OrderType::Limit, 1_012, 5).unwrap(); // seq 6

    // t buys 9 up to 1,012: a's order fills its 4, then m's 1,012 order fills 5.
    let out = tm::order(&mut data, t, OrderSide::Buy, OrderType::Limit, 1_012, 9).unwrap();
    assert_eq!(fill_summary(&out), vec![(a, 3, 7, 1_010, 4), (m, 6, 7, 1_012, 5)]);
    assert!(out.cancels.is_empty());
    assert_eq!((out.filled_lots, out.rested_lots), (9, 0));
    assert_eq!(position_of(&mut data, a).0, 0, "never flipped");
    assert_eq!(open_of(&mut data, a), (0, 0, 0, 0, 0));
    assert_consistent(&mut data);
}

#[test]
fn a_seat_that_closes_its_position_leaves_no_reduce_only_order_behind() {
    let mut data = new_market(16, 8);
    let [a, m, t] = claim(&mut data, 3)[..] else { unreachable!() };
    tm::order(&mut data, m, OrderSide::Buy, OrderType::Limit, 1_000, 5).unwrap(); // seq 1
    tm::order(&mut data, a, OrderSide::Sell, OrderType::ImmediateOrCancel, 1_000, 5).unwrap(); // seq 2
    reduce_only(&mut data, a, OrderSide::Buy, OrderType::Limit, 995, 5).unwrap(); // seq 3

    // a closes its short with an ordinary order: its reduce-only bid goes with it.
    tm::order(&mut data, m, OrderSide::Sell, OrderType::Limit, 1_001, 5).unwrap(); // seq 4
    let out = tm::order(&mut data, a, OrderSide::Buy, OrderType::ImmediateOrCancel, 1_001, 5).unwrap(); // seq 5
    assert_eq!(fill_summary(&out), vec![(m, 4, 7, 1_001, 5)]);
    assert_eq!(cancel_summary(&out), vec![(a, 3, 995, 5, CancelReason::ReduceOnly)]);
    assert_eq!(position_of(&mut data, a).0, 0);
    assert_eq!(open_of(&mut data, a), (0, 0, 0, 0, 0));
    // A seller reaches the real bid at once.
    tm::order(&mut data, m, OrderSide::Buy, OrderType::Limit, 994, 5).unwrap(); // seq 6
    let out = tm::order(&mut data, t, OrderSide::Sell, OrderType::ImmediateOrCancel, 990, 3).unwrap();
    assert!(out.cancels.is_empty());
    assert_eq!(fill_summary(&out), vec![(m, 6, 7, 994, 3)]);
    assert_consistent(&mut data);
}

#[test]
fn trims_take_the_worst_priced_reduce_only_orders_first() {
    let mut data = new_market(16, 8);
    let [a, m] = claim(&mut data, 2)[..] else { unreachable!() };
    tm::order(&mut data, m, OrderSide::Sell, OrderType::Limit, 1_000, 10).unwrap(); // seq 1
    tm::order(&mut data, a, OrderSide::Buy, OrderType::ImmediateOrCancel, 1_000, 10).unwrap(); // seq 2
                                                                                               // A ladder of take-profits: 3 at 1,010, 3 at 1,020, 2 + 2 at 1,030.
    for (price, lots) in [(1_010, 3), (1_020, 3), (1_030, 2), (1_030, 2)] {
        reduce_only(&mut data, a, OrderSide::Sell, OrderType::Limit, price, lots).unwrap();
        // seq 3..=6
    }
    // An ordinary ask of 5 rests on the same side: the ladder makes room for it, from the top
    // (the latest 1,030 first, then the other, then one lot of 1,020).
    let out = tm::order(&mut data, a, OrderSide::Sell, OrderType::Limit, 1_005, 5).unwrap(); // seq 7
    assert_eq!(out.rested_lots, 5);
    assert_eq!(
        cancel_summary(&out),
        vec![
            (a, 6, 1_030, 2, CancelReason::ReduceOnly),
            (a, 5, 1_030, 2, CancelReason::ReduceOnly),
            (a, 4, 1_020, 1, CancelReason::ReduceOnly),
        ]
    );
    assert_eq!(book_orders(&mut data, Side::Ask), vec![(1_005, 5, 7, a), (1_010, 3, 3, a), (1_020, 2, 4, a)]);
    assert_eq!(open_of(&mut data, a), (0, 0, 10, 5_025_000 + 3_030_000 + 2_040_000, 3));
    assert_reduce_only_fits(&mut data);
    // A buy grows the position: nothing to trim.
    tm::order(&mut data, m, OrderSide::Sell, OrderType::Limit, 1_000, 1).unwrap(); // seq 8
    let out = tm::order(&mut data, a, OrderSide::Buy, OrderType::ImmediateOrCancel, 1_000, 1).unwrap();
    assert!(out.cancels.is_empty());
    // A flip takes every reduce-only order of the old side.
    tm::order(&mut data, m, OrderSide::Buy, OrderType::Limit, 990, 30).unwrap(); // seq 10
    let out = tm::order(&mut data, a, OrderSide::Sell, OrderType::ImmediateOrCancel, 990, 16).unwrap();
    assert_eq!(position_of(&mut data, a).0, -5);
    assert_eq!(
        cancel_summary(&out),
        vec![(a, 4, 1_020, 2, CancelReason::ReduceOnly), (a, 3, 1_010, 3, CancelReason::ReduceOnly)]
    );
    assert_eq!(book_orders(&mut data, Side::Ask), vec![(1_005, 5, 7, a)]);
    assert_consistent(&mut data);
    assert_reduce_only_fits(&mut data);
}

#[test]
fn a_resting_reduce_only_order_counts_the_seats_other_orders_on_its_side() {
    // Long 10 with an ordinary ask of 6 resting: a reduce-only ask may rest for 4 more at most,
    // since the ordinary ask's fills would leave a bigger one beyond the position.
    let mut data = new_market(16, 8);
    let [a, m] = claim(&mut data, 2)[..] else { unreachable!() };
    tm::order(&mut data, m, OrderSide::Sell, OrderType::Limit, 1_000, 10).unwrap();
    tm::order(&mut data, a, OrderSide::Buy, OrderType::ImmediateOrCancel, 1_000, 10).unwrap();
    tm::order(&mut data, a, OrderSide::Sell, OrderType::Limit, 1_005, 6).unwrap();
    let before = data.clone();
    assert_eq!(
        reduce_only(&mut data, a, OrderSide::Sell, OrderType::Limit, 1_010, 5),
        Err(PerpError::ReduceOnlyViolation)
    );
    assert!(data == before, "the rejection changed nothing");
    reduce_only(&mut data, a, OrderSide::Sell, OrderType::Limit, 1_010, 4).unwrap();
    // Makers' fills keep it within the position: the ordinary ask fills, the position is 4.
    let out = tm::order(&mut data, m, OrderSide::Buy, OrderType::ImmediateOrCancel, 1_010, 10).unwrap();
    assert_eq!(fill_summary(&out), vec![(a, 3, 7, 1_005, 6), (a, 4, 7, 1_010, 4)]);
    assert!(out.cancels.is_empty());
    assert_eq!((position_of(&mut data, a).0, open_of(&mut data, a)), (0, (0, 0, 0, 0, 0)));
    assert_consistent(&mut data);
}

#[test]
fn a_reduce_only_market_accepts_only_reduce_only_orders() {
    let mut data = new_market(16, 8);
    let [a, m] = claim(&mut data, 2)[..] else { unreachable!() };
    tm::order(&mut data, m, OrderSide::Sell, OrderType::Limit, 1_000, 10).unwrap();
    tm::order(&mut data, a, OrderSide::Buy, OrderType::ImmediateOrCancel, 1_000, 4).unwrap();
    tm::view(&mut data).unwrap().header.status = MarketStatus::ReduceOnly as u8;
    let before = data.clone();
    assert_eq!(tm::order(&mut data, m, OrderSide::Buy, OrderType::Limit, 990, 5), Err(PerpError::MarketReduceOnly));
    assert!(data == before);
    reduce_only(&mut data, m, OrderSide::Buy, OrderType::Limit, 990, 4).unwrap();
    let out = reduce_only(&mut data, a, OrderSide::Sell, OrderType::ImmediateOrCancel, 990, 4).unwrap();
    assert_eq!(out.filled_lots, 4);
    assert_eq!((position_of(&mut data, a).0, position_of(&mut data, m).0), (0, 0));
    assert_consistent(&mut data);
}

#[test]
fn the_open_interest_cap_rejects_only_orders_that_raise_open_interest() {
    let mut config = tm::config();
    config.max_open_interest_lots = 5;
    let mut data = tm::market(&config, &tm::layout(16, 8), T0, ORACLE).unwrap();
    let [a, m] = claim(&mut data, 2)[..] else { unreachable!() };
    tm::order(&mut data, m, OrderSide::Sell, OrderType::Limit, 1_000, 20).unwrap();
    assert_eq!(
        tm::order(&mut data, a, OrderSide::Buy, OrderType::ImmediateOrCancel, 1_000, 6),
        Err(PerpError::OpenInterestCap)
    );
    // (The caller reverts the transaction; here we just start again.)
    let mut data = tm::market(&config, &tm::layout(16, 8), T0, ORACLE).unwrap();
    let [a, m] = claim(&mut data, 2)[..] else { unreachable!() };
    tm::order(&mut data, m, OrderSide::Sell, OrderType::Limit, 1_000, 20).unwrap();
    tm::order(&mut data, a, OrderSide::Buy, OrderType::ImmediateOrCancel, 1_000, 5).unwrap();
    assert_eq!(header_of(&mut data).open_interest_lots, 5);
    // Lowering the cap below the open interest still lets positions shrink.
    tm::view(&mut data).unwrap().header.max_open_interest_lots = 2;
    tm::order(&mut data, m, OrderSide::Buy, OrderType::Limit, 990, 5).unwrap();
    tm::order(&mut data, a, OrderSide::Sell, OrderType::ImmediateOrCancel, 990, 2).unwrap();
    assert_eq!(header_of(&mut data).open_interest_lots, 3);
    assert_consistent(&mut data);
}

// --- 4. Self-trade prevention and the fill band ---

#[test]
fn self_trade_prevention_cancels_the_resting_order_without_filling() {
    let mut data = new_market(16, 8);
    let [a, b] = claim(&mut data, 2)[..] else { unreachable!() };
    tm::order_with_id(&mut data, a, OrderSide::Sell, OrderType::Limit, 1_005, 3, 41).unwrap(); // seq 1
    tm::order(&mut data, b, OrderSide::Sell, OrderType::Limit, 1_006, 3).unwrap(); // seq 2
    let out = tm::order(&mut data, a, OrderSide::Buy, OrderType::Limit, 1_006, 4).unwrap();
    let trader = trader_of(&mut data, a);
    assert_eq!(
        out.cancels,
        vec![CancelRecord {
            seat: a,
            trader,
            order_seq: 1,
            client_order_id: 41,
            side: OrderSide::Sell,
            price: 1_005 * PRICE,
            base_lots: 3,
            reason: CancelReason::SelfTrade,
        }]
    );
    assert_eq!(fill_summary(&out), vec![(b, 2, 7, 1_006, 3)]);
    assert_eq!((out.filled_lots, out.rested_lots), (3, 1));
    assert_eq!(position_of(&mut data, a).0, 3);
    assert_eq!(open_of(&mut data, a), (1, 1_006_000, 0, 0, 1));
    assert_eq!(book_orders(&mut data, Side::Bid), vec![(1_006, 1, 3, a)]);
    assert!(book_orders(&mut data, Side::Ask).is_empty());
    assert_consistent(&mut data);
}

#[test]
fn resting_orders_outside_the_fill_band_are_cancelled_when_reached() {
    let mut data = new_market(16, 8);
    let [a, b, c, t] = claim(&mut data, 4)[..] else { unreachable!() };
    // Asks: 940 (in the price band, outside the 950.5..=1,049.5 fill band: 4.95%, the margin
    // gap less the taker fee), 951 (the first tick inside).
    tm::order(&mut data, a, OrderSide::Sell, OrderType::Limit, 940, 3).unwrap(); // seq 1
    tm::order(&mut data, c, OrderSide::Sell, OrderType::Limit, 951, 2).unwrap(); // seq 2
    tm::order(&mut data, b, OrderSide::Sell, OrderType::Limit, 1_000, 3).unwrap(); // seq 3
    let out = tm::order(&mut data, t, OrderSide::Buy, OrderType::Limit, 1_000, 5).unwrap();
    assert_eq!(cancel_summary(&out), vec![(a, 1, 940, 3, CancelReason::OutsideFillBand)]);
    assert_eq!(fill_summary(&out), vec![(c, 2, 7, 951, 2), (b, 3, 7, 1_000, 3)]);
    assert_eq!((out.filled_lots, out.rested_lots), (5, 0));
    assert_eq!(open_of(&mut data, a), (0, 0, 0, 0, 0));
    assert_eq!(position_of(&mut data, a).0, 0);
    assert_consistent(&mut data);
    // Bids: 1,060 is outside the band, 1,049 the last tick inside.
    tm::order(&mut data, a, OrderSide::Buy, OrderType::Limit, 1_060, 3).unwrap(); // seq 5
    tm::order(&mut data, b, OrderSide::Buy, OrderType::Limit, 1_049, 2).unwrap(); // seq 6
    tm::order(&mut data, c, OrderSide::Buy, OrderType::Limit, 1_000, 2).unwrap(); // seq 7
    let out = tm::order(&mut data, t, OrderSide::Sell, OrderType::ImmediateOrCancel, 1_000, 5).unwrap();
    assert_eq!(cancel_summary(&out), vec![(a, 5, 1_060, 3, CancelReason::OutsideFillBand)]);
    assert_eq!(fill_summary(&out), vec![(b, 6, 7, 1_049, 2), (c, 7, 7, 1_000, 2)]);
    assert_eq!((out.filled_lots, out.rested_lots), (4, 0));
    assert_consistent(&mut data);
    // A move of the oracle takes an order that was in the band out of it: at 1,100 the
    // band is 1,045.55..=1,154.45 and an ask at 1,040 is cancelled, one at 1,050 fills.
    tm::order(&mut data, a, OrderSide::Sell, OrderType::Limit, 1_040, 2).unwrap(); // seq 9
    tm::order(&mut data, b, OrderSide::Sell, OrderType::Limit, 1_050, 2).unwrap(); // seq 10
    tm::view(&mut data).unwrap().header.oracle_price = 1_100 * PRICE;
    let out = tm::order(&mut data, t, OrderSide::Buy, OrderType::ImmediateOrCancel, 1_060, 4).unwrap();
    assert_eq!(cancel_summary(&out), vec![(a, 9, 1_040, 2, CancelReason::OutsideFillBand)]);
    assert_eq!(fill_summary(&out), vec![(b, 10, 7, 1_050, 2)]);
    assert_consistent(&mut data);
}

// --- 5. The caps ---

/// A market (64 orders a side) where seat `p` rests `first` one-lot asks at 1,000 and seat
/// `q` then `second` more; returns (data, p, q, t).
fn one_lot_asks(first: usize, second: usize) -> (Vec<u8>, u32, u32, u32) {
    let mut data = new_market(64, 8);
    let [p, q, t] = claim(&mut data, 3)[..] else { unreachable!() };
    for (seat, count) in [(p, first), (q, second)] {
        for i in 0..count {
            tm::order_with_id(&mut data, seat, OrderSide::Sell, OrderType::Limit, 1_000, 1, i as u64).unwrap();
        }
    }
    (data, p, q, t)
}

#[test]
fn resting_reduce_only_orders_are_capped_by_the_position_in_total() {
    // A long of 4 lots may rest reduce-only asks for 4 lots in all, however split.
    let (mut data, _, _, t) = one_lot_asks(4, 0);
    tm::order(&mut data, t, OrderSide::Buy, OrderType::ImmediateOrCancel, 1_000, 4).unwrap();
    assert_eq!(position_of(&mut data, t).0, 4);
    let ask = |lots, id| params(OrderSide::Sell, OrderType::Limit, 1_010, lots, true, id);
    tm::place(&mut data, t, &ask(3, 1)).unwrap();
    let before = data.clone();
    assert_eq!(tm::place(&mut data, t, &ask(2, 2)), Err(PerpError::ReduceOnlyViolation));
    assert!(data == before, "the rejection changed nothing");
    tm::place(&mut data, t, &ask(1, 3)).unwrap();
    // An IOC reduce-only does not rest: only the position bounds it.
    let ioc = params(OrderSide::Sell, OrderType::ImmediateOrCancel, 990, 4, true, 4);
    assert_eq!(tm::place(&mut data, t, &ioc).unwrap().filled_lots, 0, "no bids to hit");
    assert_consistent(&mut data);
}

#[test]
fn a_taker_makes_exactly_max_fills_per_order_fills() {
    const N: u64 = MAX_FILLS_PER_ORDER as u64;
    let (mut data, p, q, t) = one_lot_asks(MAX_FILLS_PER_ORDER, 2);
    let out = tm::order(&mut data, t, OrderSide::Buy, OrderType::ImmediateOrCancel, 1_000, 40).unwrap();
    assert_eq!(out.fills.len(), MAX_FILLS_PER_ORDER);
    assert_eq!((out.filled_lots, out.rested_lots), (N, 0));
    let expected: Vec<_> = (0..N).map(|i| (p, i + 1, i, 1_000, 1)).collect();
    assert_eq!(fill_summary(&out), expected, "oldest first");
    assert_eq!(book_orders(&mut data, Side::Ask), vec![(1_000, 1, N + 1, q), (1_000, 1, N + 2, q)]);
    assert_eq!(position_of(&mut data, t).0, N as i64);
    assert_consistent(&mut data);
}

#[test]
fn a_limit_order_still_crossing_after_the_fill_cap_does_not_rest() {
    const N: u64 = MAX_FILLS_PER_ORDER as u64;
    let (mut data, _, q, t) = one_lot_asks(MAX_FILLS_PER_ORDER, 2);
    let out = tm::order(&mut data, t, OrderSide::Buy, OrderType::Limit, 1_000, 40).unwrap();
    assert_eq!((out.fills.len() as u64, out.filled_lots, out.rested_lots), (N, N, 0));
    assert!(book_orders(&mut data, Side::Bid).is_empty());
    assert_eq!(book_orders(&mut data, Side::Ask), vec![(1_000, 1, N + 1, q), (1_000, 1, N + 2, q)]);
    assert_eq!(open_of(&mut data, t), (0, 0, 0, 0, 0));
    assert_consistent(&mut data);
    // When the cap empties the book, nothing crosses any more: the rest rests.
    let (mut data, _, _, t) = one_lot_asks(MAX_FILLS_PER_ORDER, 0);
    let out = tm::order(&mut data, t, OrderSide::Buy, OrderType::Limit, 1_000, 40).unwrap();
    assert_eq!((out.fills.len() as u64, out.filled_lots, out.rested_lots), (N, N, 40 - N));
    assert_eq!(book_orders(&mut data, Side::Bid), vec![(1_000, 40 - N, N + 1, t)]);
    assert_consistent(&mut data);
    // Likewise when the next order is beyond the limit price.
    let (mut data, _, q, t) = one_lot_asks(MAX_FILLS_PER_ORDER, 0);
    tm::order(&mut data, q, OrderSide::Sell, OrderType::Limit, 1_001, 2).unwrap(); // seq N + 1
    let out = tm::order(&mut data, t, OrderSide::Buy, OrderType::Limit, 1_000, 40).unwrap();
    assert_eq!((out.fills.len() as u64, out.rested_lots), (N, 40 - N));
    assert_eq!(book_orders(&mut data, Side::Bid), vec![(1_000, 40 - N, N + 2, t)]);
    assert_consistent(&mut data);
}

#[test]
fn matching_stops_at_max_cancels_per_order() {
    assert_eq!(MAX_CANCELS_PER_ORDER, 8);
    // t's own 9 one-lot asks, then q's 2 lots, all at 1,000.
    let (mut data, t, q, _) = one_lot_asks(9, 0);
    tm::order(&mut data, q, OrderSide::Sell, OrderType::Limit, 1_000, 2).unwrap(); // seq 10
    let out = tm::order(&mut data, t, OrderSide::Buy, OrderType::Limit, 1_000, 2).unwrap();
    let expected: Vec<_> = (0..8u64).map(|i| (t, i + 1, 1_000, 1, CancelReason::SelfTrade)).collect();
    assert_eq!(cancel_summary(&out), expected);
    assert!(out.fills.is_empty());
    // Its 9th ask still crosses the bid: nothing rests.
    assert_eq!((out.filled_lots, out.rested_lots), (0, 0));
    assert_eq!(book_orders(&mut data, Side::Ask), vec![(1_000, 1, 9, t), (1_000, 2, 10, q)]);
    assert!(book_orders(&mut data, Side::Bid).is_empty());
    assert_eq!(open_of(&mut data, t), (0, 0, 1, 1_000_000, 1));
    assert_consistent(&mut data);
    // The next order gets through: one more cancel, then q's order fills.
    let out = tm::order(&mut data, t, OrderSide::Buy, OrderType::Limit, 1_000, 2).unwrap();
    assert_eq!(cancel_summary(&out), vec![(t, 9, 1_000, 1, CancelReason::SelfTrade)]);
    assert_eq!(fill_summary(&out), vec![(q, 10, 7, 1_000, 2)]);
    assert_eq!(open_of(&mut data, t), (0, 0, 0, 0, 0));
    assert_consistent(&mut data);
}

#[test]
fn cancels_of_every_kind_count_towards_the_cancel_cap() {
    // 4 asks outside the fill band (a), 4 of the taker's own (t), then one more of each.
    let mut data = new_market(64, 8);
    let [a, t, q] = claim(&mut data, 3)[..] else { unreachable!() };
    for _ in 0..4 {
        tm::order(&mut data, a, OrderSide::Sell, OrderType::Limit, 940, 2).unwrap();
    }
    for _ in 0..5 {
        tm::order(&mut data, t, OrderSide::Sell, OrderType::Limit, 1_000, 1).unwrap();
    }
    tm::order(&mut data, q, OrderSide::Sell, OrderType::Limit, 1_000, 1).unwrap();
    let out = tm::order(&mut data, t, OrderSide::Buy, OrderType::ImmediateOrCancel, 1_000, 1).unwrap();
    let reasons: Vec<_> = out.cancels.iter().map(|c| c.reason).collect();
    assert_eq!(reasons, [[CancelReason::OutsideFillBand; 4], [CancelReason::SelfTrade; 4]].concat());
    assert!(out.fills.is_empty());
    assert_eq!(book_orders(&mut data, Side::Ask), vec![(1_000, 1, 9, t), (1_000, 1, 10, q)]);
    assert_consistent(&mut data);
}

#[test]
fn after_the_cancel_cap_orders_beyond_the_bands_near_edge_are_passed_over() {
    // 10 asks of a at 940, below the 950.5..=1,049.5 fill band, in front of q's real ask.
    let mut data = new_market(64, 8);
    let [a, q, t] = claim(&mut data, 3)[..] else { unreachable!() };
    for _ in 0..10 {
        tm::order(&mut data, a, OrderSide::Sell, OrderType::Limit, 940, 2).unwrap();
        // seq 1..=10
    }
    tm::order(&mut data, q, OrderSide::Sell, OrderType::Limit, 1_000, 3).unwrap(); // seq 11
    let out = tm::order(&mut data, t, OrderSide::Buy, OrderType::Limit, 1_000, 5).unwrap();
    let expected: Vec<_> = (1..=8u64).map(|seq| (a, seq, 940, 2, CancelReason::OutsideFillBand)).collect();
    assert_eq!(cancel_summary(&out), expected);
    assert_eq!(fill_summary(&out), vec![(q, 11, 7, 1_000, 3)]);
    // The two asks passed over still cross the bid: its rest is cancelled, as an IOC's.
    assert_eq!((out.filled_lots, out.rested_lots), (3, 0));
    assert_eq!(book_orders(&mut data, Side::Ask), vec![(940, 2, 9, a), (940, 2, 10, a)]);
    assert_consistent(&mut data);
    // Bids above the band, likewise, for a seller.
    let mut data = new_market(64, 8);
    let [a, q, t] = claim(&mut data, 3)[..] else { unreachable!() };
    for _ in 0..9 {
        tm::order(&mut data, a, OrderSide::Buy, OrderType::Limit, 1_060, 1).unwrap();
        // seq 1..=9
    }
    tm::order(&mut data, q, OrderSide::Buy, OrderType::Limit, 1_000, 3).unwrap(); // seq 10
    let out = tm::order(&mut data, t, OrderSide::Sell, OrderType::ImmediateOrCancel, 1_000, 3).unwrap();
    assert_eq!(out.cancels.len(), MAX_CANCELS_PER_ORDER);
    assert_eq!(fill_summary(&out), vec![(q, 10, 7, 1_000, 3)]);
    assert_eq!(book_orders(&mut data, Side::Bid), vec![(1_060, 1, 9, a)]);
    assert_consistent(&mut data);
}

#[test]
fn an_order_that_trims_its_own_reduce_only_orders_gives_up_fills_for_them() {
    // t short 8 with four two-lot reduce-only bids; 40 one-lot asks at 1,000 (p's, then r's).
    let (mut data, p, m, t) = one_lot_asks(0, 0);
    tm::order(&mut data, m, OrderSide::Buy, OrderType::Limit, 1_000, 8).unwrap();
    tm::order(&mut data, t, OrderSide::Sell, OrderType::ImmediateOrCancel, 1_000, 8).unwrap();
    for _ in 0..4 {
        reduce_only(&mut data, t, OrderSide::Buy, OrderType::Limit, 960, 2).unwrap();
    }
    let r = tm::seat(&mut data).unwrap();
    for (seat, i) in (0..40).map(|i| (if i < 20 { p } else { r }, i)) {
        tm::order_with_id(&mut data, seat, OrderSide::Sell, OrderType::Limit, 1_000, 1, i).unwrap();
    }
    // A buy of 40 could flip it: its 4 bids would all go, so it fills 3 makers fewer.
    let out = tm::order(&mut data, t, OrderSide::Buy, OrderType::ImmediateOrCancel, 1_000, 40).unwrap();
    assert_eq!(out.fills.len(), MAX_FILLS_PER_ORDER - 3);
    assert_eq!(max_fills(4), MAX_FILLS_PER_ORDER - 3);
    assert_eq!((max_fills(0), max_fills(1), max_fills(2), max_fills(32)), (28, 27, 26, 4));
    let trims: Vec<_> = out.cancels.iter().map(|c| (c.seat, c.reason, c.base_lots)).collect();
    assert_eq!(trims, vec![(t, CancelReason::ReduceOnly, 2); 4]);
    assert_eq!(position_of(&mut data, t).0, (MAX_FILLS_PER_ORDER - 3) as i64 - 8);
    assert!(book_orders(&mut data, Side::Bid).is_empty());
    assert_consistent(&mut data);
    assert_reduce_only_fits(&mut data);
    // Without reduce-only orders left to trim, nothing is given up: it takes the 15 left.
    let out = tm::order(&mut data, t, OrderSide::Buy, OrderType::ImmediateOrCancel, 1_000, 40).unwrap();
    assert_eq!(out.fills.len(), 40 - (MAX_FILLS_PER_ORDER - 3));
}

// --- 6. A full book side ---

#[test]
fn a_full_book_side_rejects_a_worse_order_and_evicts_its_worst_for_a_better_one() {
    let mut data = new_market(4, 8);
    let [a, b] = claim(&mut data, 2)[..] else { unreachable!() };
    for (i, price) in [990, 991, 992, 993].into_iter().enumerate() {
        tm::order_with_id(&mut data, a, OrderSide::Buy, OrderType::Limit, price, 2, i as u64 + 1).unwrap();
    }
    // 2 x (990 + 991 + 992 + 993) x 1,000.
    assert_eq!(open_of(&mut data, a), (8, 7_932_000, 0, 0, 4));
    let bids = book_orders(&mut data, Side::Bid);
    // Not better than the worst (990): rejected, the book and the seats as they were.
    for price in [990, 989] {
        assert_eq!(tm::order(&mut data, b, OrderSide::Buy, OrderType::Limit, price, 2), Err(PerpError::BookSideFull));
        assert_eq!(book_orders(&mut data, Side::Bid), bids);
        assert_eq!(open_of(&mut data, a), (8, 7_932_000, 0, 0, 4));
        assert_eq!(open_of(&mut data, b), (0, 0, 0, 0, 0));
    }
    // The other side is not full.
    tm::order(&mut data, b, OrderSide::Sell, OrderType::Limit, 1_010, 1).unwrap();
    // Better: the worst bid (a's 990, seq 1) is evicted and a's reservation released.
    let out = tm::order(&mut data, b, OrderSide::Buy, OrderType::Limit, 994, 3).unwrap();
    let trader = trader_of(&mut data, a);
    assert_eq!(
        out.cancels,
        vec![CancelRecord {
            seat: a,
            trader,
            order_seq: 1,
            client_order_id: 1,
            side: OrderSide::Buy,
            price: 990 * PRICE,
            base_lots: 2,
            reason: CancelReason::Evicted,
        }]
    );
    assert_eq!(out.rested_lots, 3);
    assert_eq!(open_of(&mut data, a), (6, 7_932_000 - 1_980_000, 0, 0, 3));
    assert_eq!(open_of(&mut data, b), (3, 2_982_000, 1, 1_010_000, 2));
    let prices: Vec<u64> = book_orders(&mut data, Side::Bid).iter().map(|o| o.0).collect();
    assert_eq!(prices, vec![994, 993, 992, 991]);
    // a's cancelled order is gone for good.
    assert_eq!(cancel_by_client_id(&mut tm::view(&mut data).unwrap(), a, 1), Err(PerpError::OrderNotFound));
    assert_consistent(&mut data);
}

// --- 7. Orders per seat ---

#[test]
fn a_seat_holds_at_most_max_orders_per_seat_resting_orders() {
    assert_eq!(MAX_ORDERS_PER_SEAT, 32);
    let mut data = new_market(64, 4);
    let [a] = claim(&mut data, 1)[..] else { unreachable!() };
    for i in 0..20 {
        tm::order_with_id(&mut data, a, OrderSide::Buy, OrderType::Limit, 990, 2, i).unwrap();
    }
    for i in 20..32 {
        tm::order_with_id(&mut data, a, OrderSide::Sell, OrderType::Limit, 1_010, 1, i).unwrap();
    }
    assert_eq!(seat_of(&mut data, a).order_count, 32);
    for side in [OrderSide::Buy, OrderSide::Sell] {
        let price = if side == OrderSide::Buy { 995 } else { 1_005 };
        assert_eq!(tm::order(&mut data, a, side, OrderType::Limit, price, 2), Err(PerpError::TooManyOpenOrders));
        assert_eq!(tm::order(&mut data, a, side, OrderType::PostOnly, price, 2), Err(PerpError::TooManyOpenOrders));
    }
    assert_eq!(seat_of(&mut data, a).order_count, 32);
    assert_consistent(&mut data);
    // An order that does not rest is fine; after a cancel, one more may rest.
    tm::order(&mut data, a, OrderSide::Buy, OrderType::ImmediateOrCancel, 995, 2).unwrap();
    cancel_by_client_id(&mut tm::view(&mut data).unwrap(), a, 5).unwrap();
    tm::order(&mut data, a, OrderSide::Buy, OrderType::Limit, 995, 2).unwrap();
    assert_eq!(seat_of(&mut data, a).order_count, 32);
    assert_consistent(&mut data);
    // Cancel all empties the seat.
    let cancels = cancel_all(&mut tm::view(&mut data).unwrap(), a, CancelReason::User).unwrap();
    assert_eq!(cancels.len(), 32);
    assert_eq!(open_of(&mut data, a), (0, 0, 0, 0, 0));
    assert!(book_orders(&mut data, Side::Bid).is_empty() && book_orders(&mut data, Side::Ask).is_empty());
    assert_consistent(&mut data);
}

// --- 8. Random sequences ---

#[derive(Clone, Debug)]
enum Step {
    Place {
        seat: usize,
        params: OrderParams,
    },
    Cancel {
        seat: usize,
        client_order_id: u64,
    },
    CancelAll {
        seat: usize,
    },
    /// The cached oracle price moves (quote).
    Oracle {
        price: u64,
    },
    /// A funding interval applies: the indices move by these (token units per lot).
    Funding {
        long: i64,
        short: i64,
    },
}

fn step() -> impl Strategy<Value = Step> {
    let side = prop_oneof![Just(OrderSide::Buy), Just(OrderSide::Sell)];
    let order_type = prop_oneof![
        3 => Just(OrderType::Limit),
        1 => Just(OrderType::PostOnly),
        1 => Just(OrderType::ImmediateOrCancel),
        1 => Just(OrderType::Market),
    ];
    // Mostly near the oracle; sometimes outside the fill band or the price band.
    let price = prop_oneof![3 => 990u64..=1_010, 1 => 895u64..=1_105];
    // Mostly small; sometimes large enough to sweep several levels.
    let lots = prop_oneof![6 => 1u64..=6, 1 => 20u64..=60];
    let place = (0..4usize, side, order_type, price, lots, prop::bool::weighted(0.2), 0u64..4).prop_map(
        |(seat, side, order_type, price, base_lots, reduce_only, client_order_id)| Step::Place {
            seat,
            params: OrderParams {
                side,
                order_type,
                price: price * PRICE,

                // Reduce-only orders small, so that more of them fit the position.
                base_lots: if reduce_only { 2 + base_lots % 4 } else { base_lots },
                reduce_only,
                client_order_id,
            },
        },
    );
    prop_oneof![
        12 => place,
        2 => (0..4usize, 0u64..4).prop_map(|(seat, client_order_id)| Step::Cancel { seat, client_order_id }),
        1 => (0..4usize).prop_map(|seat| Step::CancelAll { seat }),
        1 => (960u64..=1_040).prop_map(|price| Step::Oracle { price }),
        1 => (-3_000i64..=3_000, -3_000i64..=3_000).prop_map(|(long, short)| Step::Funding { long, short }),
    ]
}

/// What one successful order must look like on its own.
fn check_outcome(data: &mut [u8], taker: u32, p: &OrderParams, out: &PlaceOutcome, reduce_only_seqs: &[u64]) {
    assert!(out.fills.len() <= MAX_FILLS_PER_ORDER);
    assert_eq!(out.filled_lots, out.fills.iter().map(|f| f.base_lots).sum::<u64>());
    assert!(out.filled_lots + out.rested_lots <= p.base_lots);
    let fees: u64 = out.fills.iter().map(|f| f.maker_fee + f.taker_fee).sum();
    assert_eq!((out.fees_to_pool, out.fees_to_insurance), (fees, 0));
    let header = header_of(data);
    let (band_low, band_high) = fill_band(&header).unwrap();
    let mut previous = None;
    for fill in &out.fills {
        assert_ne!(fill.maker_seat, taker, "self-trade");
        assert!(crosses(p.side, p.price, fill.price), "filled beyond the limit");
        assert!((band_low..=band_high).contains(&fill.price), "filled outside the fill band");
        if let Some(previous) = previous {
            assert!(!crosses(p.side, previous, fill.price) || previous == fill.price, "worse price filled first");
        }
        previous = Some(fill.price);
        let notional = fill.price / 1_000 * fill.base_lots;
        assert_eq!((fill.taker_fee, fill.maker_fee), (ceil_ppm(notional, 500), ceil_ppm(notional, 200)));
    }
    // Own trims: reduce-only orders of the taker (matching cancels the taker's as self-trade).
    let own_trims = out.cancels.iter().filter(|c| c.reason == CancelReason::ReduceOnly && c.seat == taker).count();
    let matching_cancels = out.cancels.iter().filter(|c| c.reason != CancelReason::Evicted).count() - own_trims;
    assert!(matching_cancels <= MAX_CANCELS_PER_ORDER);
    assert!(out.fills.len() <= max_fills(own_trims));
    assert!(out.cancels.iter().all(|c| c.reason != CancelReason::User && c.reason != CancelReason::Liquidation));
    for cancel in &out.cancels {
        match cancel.reason {
            CancelReason::SelfTrade => assert_eq!(cancel.seat, taker),
            CancelReason::OutsideFillBand => assert!(!(band_low..=band_high).contains(&cancel.price)),
            CancelReason::ReduceOnly => assert!(reduce_only_seqs.contains(&cancel.order_seq)),
            _ => {}
        }
    }
    match p.order_type {
        OrderType::PostOnly => assert!(out.fills.is_empty()),
        OrderType::ImmediateOrCancel | OrderType::Market => assert_eq!(out.rested_lots, 0),
        OrderType::Limit => {}
    }
    if out.rested_lots > 0 {
        let view = tm::view(data).unwrap();
        let book = view.book(p.side.book_side());
        let node = book.iter().map(|i| *book.get(i).unwrap()).find(|n| n.seq == out.order_seq).unwrap();
        assert_eq!((node.price, node.base_lots, node.seat), (p.price, out.rested_lots, taker));
        assert_eq!(node.reduce_only != 0, p.reduce_only);
    }
}

/// Errors `place_order` returns after the match changed the account (documented; the
/// transaction reverts as a whole): open interest, a full side, too many orders to rest.
fn changes_before_rejecting(error: PerpError) -> bool {
    matches!(error, PerpError::OpenInterestCap | PerpError::BookSideFull | PerpError::TooManyOpenOrders)
}

/// Runs `steps` from 4 seats, checking the market after each: every other rejection must
/// leave the account bytes as they were; those are reverted as the transaction would be.
fn run(order_capacity: u32, steps: &[Step]) {
    let mut data = new_market(order_capacity, 4);
    let seats = claim(&mut data, 4);
    for step in steps {
        let before = data.clone();
        let result = match step {
            Step::Place { seat, params } => {
                let taker = seats[*seat];
                let (reduce_only_seqs, positions): (Vec<u64>, Vec<i64>) = {
                    let view = tm::view(&mut data).unwrap();
                    let mut seqs = Vec::new();
                    for side in [Side::Bid, Side::Ask] {
                        let book = view.book(side);
                        seqs.extend(
                            book.iter().map(|i| *book.get(i).unwrap()).filter(|n| n.reduce_only != 0).map(|n| n.seq),
                        );
                    }
                    (seqs, seats.iter().map(|s| view.seats[*s as usize].base_lots).collect())
                };
                tm::place(&mut data, taker, params).map(|out| {
                    check_outcome(&mut data, taker, params, &out, &reduce_only_seqs);

                    // Reduce-only: the taker's position, and that of a maker filled only

                    // through reduce-only orders, never grows or flips.
                    for (k, &seat) in seats.iter().enumerate() {
                        let mut fills = out.fills.iter().filter(|f| f.maker_seat == seat).peekable();
                        let only_reduce_only =
                            fills.peek().is_some() && fills.all(|f| reduce_only_seqs.contains(&f.maker_order_seq));
                        if (seat == taker && params.reduce_only) || only_reduce_only {
                            let (old, new) = (positions[k], seat_of(&mut data, seat).base_lots);
                            assert!(new.abs() <= old.abs() && new * old >= 0, "reduce-only: {old} -> {new}");
                        }
                    }
                })
            }
            Step::Cancel { seat, client_order_id } => {
                cancel_by_client_id(&mut tm::view(&mut data).unwrap(), seats[*seat], *client_order_id).map(|c| {
                    assert_eq!(
                        (c.seat, c.client_order_id, c.reason),
                        (seats[*seat], *client_order_id, CancelReason::User)
                    );
                })
            }
            Step::CancelAll { seat } => cancel_all(&mut tm::view(&mut data).unwrap(), seats[*seat], CancelReason::User)
                .map(|_| {
                    assert_eq!(seat_of(&mut data, seats[*seat]).order_count, 0);
                }),
            Step::Oracle { price } => {
                tm::view(&mut data).unwrap().header.oracle_price = price * PRICE;
                Ok(())
            }
            Step::Funding { long, short } => {
                let view = tm::view(&mut data).unwrap();
                view.header.cumulative_funding_long += long;
                view.header.cumulative_funding_short += short;
                Ok(())
            }
        };
        // Even a rejection that changed the account left it consistent.
        assert_consistent(&mut data);
        if result.is_ok() {
            assert_reduce_only_fits(&mut data);
        }
        if let Err(error) = result {
            if !changes_before_rejecting(error) {
                assert!(data == before, "{error:?} changed the account: {step:?}");
            }
            data = before;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(crate::engine::test_market::proptest_cases(crate::engine::test_market::MONEY_CASES_MATCHING)))]

    /// After every step of random orders and cancels from 4 seats: the book and the seats
    /// agree, reservations are the sums of resting orders, long == short == open interest,
    /// the header's sums are the seats' sums; rejections from validation change nothing.
    #[test]
    fn random_orders_keep_book_seats_and_header_consistent(
        order_capacity in prop_oneof![Just(4u32), Just(8), Just(64)],
        steps in proptest::collection::vec(step(), 1..120),
    ) {
        run(order_capacity, &steps);
    }
}

/// A market whose minimum order is 5 quote (5 lots at 1,000).
fn min_5_quote() -> Vec<u8> {
    let config = crate::state::MarketConfig { min_order_notional: 5_000_000, seat_deposit: 5_000_000, ..tm::config() };
    tm::market(&config, &tm::layout(16, 8), T0, ORACLE).unwrap()
}

#[test]
fn a_partial_fill_that_leaves_crumbs_takes_them_off_the_book() {
    let mut data = min_5_quote();
    let [maker, taker] = claim(&mut data, 2)[..] else { unreachable!() };
    tm::order(&mut data, maker, OrderSide::Sell, OrderType::Limit, 1_000, 10).unwrap();
    // 6 taken, 4 lots (4 quote) left: below the minimum, they leave the book.
    let out = tm::order(&mut data, taker, OrderSide::Buy, OrderType::ImmediateOrCancel, 1_000, 6).unwrap();
    assert_eq!(out.filled_lots, 6);
    assert_eq!(out.cancels.len(), 1);
    assert_eq!((out.cancels[0].seat, out.cancels[0].base_lots), (maker, 4));
    assert_eq!(out.cancels[0].reason, CancelReason::Remnant);
    let view = tm::view(&mut data).unwrap();
    assert_eq!(view.book(Side::Ask).len(), 0);
    let seat = view.seat(maker).unwrap();
    assert_eq!((seat.open_ask_lots, seat.open_ask_notional, seat.order_count), (0, 0, 0));
    // 5 lots left are an order the market accepts: they stay.
    tm::order(&mut data, maker, OrderSide::Sell, OrderType::Limit, 1_000, 10).unwrap();
    let out = tm::order(&mut data, taker, OrderSide::Buy, OrderType::ImmediateOrCancel, 1_000, 5).unwrap();
    assert!(out.cancels.is_empty());
    assert_eq!(tm::view(&mut data).unwrap().book(Side::Ask).len(), 1);
}

#[test]
fn a_takers_remainder_below_the_minimum_does_not_rest() {
    let mut data = min_5_quote();
    let [maker, taker] = claim(&mut data, 2)[..] else { unreachable!() };
    tm::order(&mut data, maker, OrderSide::Sell, OrderType::Limit, 1_000, 10).unwrap();
    let out = tm::order(&mut data, taker, OrderSide::Buy, OrderType::Limit, 1_000, 14).unwrap();
    assert_eq!((out.filled_lots, out.rested_lots), (10, 0), "4 lots left: dropped, as an IOC's rest");
    assert_eq!(tm::view(&mut data).unwrap().book(Side::Bid).len(), 0);
    // An order that rests unfilled is checked at placement; one with 5 lots left rests.
    tm::order(&mut data, maker, OrderSide::Sell, OrderType::Limit, 1_000, 10).unwrap();
    let out = tm::order(&mut data, taker, OrderSide::Buy, OrderType::Limit, 1_000, 15).unwrap();
    assert_eq!((out.filled_lots, out.rested_lots), (10, 5));
}

#[test]
fn a_reduce_only_remnant_that_closes_the_position_stays() {
    let mut data = min_5_quote();
    let [maker, other] = claim(&mut data, 2)[..] else { unreachable!() };
    // The maker ends long 6 lots: buys 11, sells 5.
    tm::order(&mut data, other, OrderSide::Sell, OrderType::Limit, 1_000, 11).unwrap();
    tm::order(&mut data, maker, OrderSide::Buy, OrderType::ImmediateOrCancel, 1_000, 11).unwrap();
    tm::order(&mut data, other, OrderSide::Buy, OrderType::Limit, 1_000, 5).unwrap();
    tm::order(&mut data, maker, OrderSide::Sell, OrderType::ImmediateOrCancel, 1_000, 5).unwrap();
    assert_eq!(tm::view(&mut data).unwrap().seat(maker).unwrap().base_lots, 6);
    // Its reduce-only ask closes the whole position: 5 taken, the last lot (1 quote, below the
    // minimum) still closes it, so it stays.
    tm::place(&mut data, maker, &params(OrderSide::Sell, OrderType::Limit, 1_000, 6, true, 9)).unwrap();
    let out = tm::order(&mut data, other, OrderSide::Buy, OrderType::ImmediateOrCancel, 1_000, 5).unwrap();
    assert!(out.cancels.is_empty());
    let view = tm::view(&mut data).unwrap();
    assert_eq!(view.book(Side::Ask).len(), 1);
    assert_eq!(view.seat(maker).unwrap().base_lots, 1);
}
