use super::*;
use crate::engine::orders::{CancelRecord, FillRecord};
use crate::error::PerpError;

fn fill(base_lots: u64) -> FillRecord {
    FillRecord {
        maker_seat: 3,
        maker_trader: Pubkey::new_unique(),
        maker_order_seq: 9,
        maker_client_order_id: 4,
        price: 86_000_000_000,
        base_lots,
        maker_fee: 1_720_000,
        taker_fee: 4_300_000,
        maker_realized_pnl: 0,
        taker_realized_pnl: -1,
        maker_funding_paid: 0,
    }
}

#[test]
fn a_fill_event_carries_the_record_and_its_base() {
    let (market, taker) = (Pubkey::new_unique(), Pubkey::new_unique());
    let record = fill(100);
    let e = OrderFilled::from_record(market, taker, OrderSide::Buy, 1_000_000, &record).unwrap();
    assert_eq!((e.market, e.maker, e.taker, e.taker_side), (market, record.maker_trader, taker, OrderSide::Buy));
    assert_eq!((e.price, e.base_lots, e.base), (86_000_000_000, 100, 100_000_000), "0.1 base at 1e9");
    assert_eq!((e.maker_fee, e.taker_fee, e.taker_realized_pnl), (1_720_000, 4_300_000, -1));
    assert_eq!((e.maker_order_seq, e.maker_client_order_id), (9, 4));
    // A base that does not fit is the named overflow, not a wrapped number.
    assert!(matches!(
        OrderFilled::from_record(market, taker, OrderSide::Sell, u64::MAX, &record),
        Err(PerpError::MathOverflow)
    ));
}

#[test]
fn a_cancel_event_carries_the_record() {
    let market = Pubkey::new_unique();
    let c = CancelRecord {
        trader: Pubkey::new_unique(),
        seat: 1,
        order_seq: 7,
        client_order_id: 2,
        side: OrderSide::Sell,
        price: 1_000_000,
        base_lots: 5,
        reason: CancelReason::OutsideFillBand,
    };
    let e = OrderCancelled::from_record(market, &c);
    assert_eq!((e.market, e.trader, e.order_seq, e.client_order_id), (market, c.trader, 7, 2));
    assert_eq!(
        (e.side, e.price, e.base_lots, e.reason),
        (OrderSide::Sell, 1_000_000, 5, CancelReason::OutsideFillBand)
    );
}
