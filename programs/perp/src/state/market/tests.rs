use super::*;
use crate::engine::test_market as tm;

#[test]
fn stored_kinds_out_of_range_are_named_errors() {
    assert_eq!(MarketStatus::try_from(1), Ok(MarketStatus::ReduceOnly));
    assert_eq!(MarketStatus::try_from(2), Err(PerpError::InvalidMarketStatus));
    assert_eq!(OracleKind::try_from(1), Ok(OracleKind::Pyth));
    assert_eq!(OracleKind::try_from(2), Err(PerpError::InvalidOracleKind));
    assert_eq!(OracleKind::try_from(u8::MAX), Err(PerpError::InvalidOracleKind));
}

#[test]
fn a_seat_holding_a_position_or_orders_is_never_released() {
    let mut data = tm::market(&tm::config(), &tm::layout(16, 4), 0, 100).unwrap();
    let seat = tm::seat(&mut data).unwrap();
    let mut view = tm::view(&mut data).unwrap();
    view.seat_mut(seat).unwrap().base_lots = 3;
    let before = *view.seat(seat).unwrap();
    assert_eq!(view.release_seat(seat), Err(PerpError::TraderHasPositions));
    assert_eq!(*view.seat(seat).unwrap(), before, "nothing changed");
    assert_eq!(view.header.seat_count, 1);
    // Flat, orderless and settled: released, its deposit handed back.
    view.seat_mut(seat).unwrap().base_lots = 0;
    assert_eq!(view.release_seat(seat), Ok(tm::QUOTE));
    assert_eq!(view.header.seat_count, 0);
}
