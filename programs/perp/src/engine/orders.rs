//! Placing, matching and cancelling orders on one market account. Fills settle the maker's seat
//! in place; nothing here touches trader accounts or tokens: the handler settles seats into
//! collateral and moves fees afterwards.
use anchor_lang::prelude::*;

use crate::engine::adl::apply_pending_adl;
use crate::engine::funding::{fill_band, settle_seat_funding};
pub use crate::engine::order_types::*;
use crate::error::{PerpError, PerpResult};
use crate::math::fixed::{apply_ppm, mul_div_u64, Rounding};
use crate::math::position::{lot_notional, Position};
use crate::math::safe::{cast, SafeMath};
use crate::state::adl::side_of;
use crate::state::book::{OrderNode, Side, NIL};
use crate::state::market::{MarketStatus, MarketView, Seat, ASK_BIT, MAX_ORDERS_PER_SEAT};

/// Most fills one taker order makes; the rest follows the order's type. Sized on the SBF build:
/// a fill costs about 3,600 CU, and the worst order (a taker with 8 markets, this many fills
/// after `MAX_CANCELS_PER_ORDER` cancels, then the funding re-read of a deep book) must stay
/// within 200,000 CU with room to spare (docs/compute-units.md).
pub const MAX_FILLS_PER_ORDER: usize = 28;
/// Most resting orders one taker order may cancel while matching (outside the fill band,
/// self-trade, reduce-only that can no longer reduce). Matching stops when it is reached.
pub const MAX_CANCELS_PER_ORDER: usize = 8;

/// Validates and places `params` for the trader in seat `taker_seat` at the cached oracle price,
/// matching first. Every rejection from validation (post-only crossing included) happens before
/// any state changes. The ones that depend on the match come after it: open interest here,
/// `BookSideFull` and `TooManyOpenOrders` when the rest is to rest, margin in the caller; the
/// transaction then reverts as a whole, so the account is unchanged on chain.
pub fn place_order(market: &mut MarketView, taker_seat: u32, params: &OrderParams) -> PerpResult<PlaceOutcome> {
    validate(market, taker_seat, params)?;
    if params.order_type == OrderType::PostOnly {
        if let Some(best) = market.book(opposite(params.side)).best() {
            let node = market.book(opposite(params.side)).get(best)?;
            if crosses(params.side, params.price, node.price) {
                return Err(PerpError::PostOnlyWouldCross);
            }
        }
    }
    let header = &mut *market.header;
    let order_seq = header.next_order_seq;
    header.next_order_seq = order_seq.safe_add(1)?;
    let mut outcome = PlaceOutcome { order_seq, ..PlaceOutcome::default() };
    let open_interest_before = header.open_interest_lots;
    let mut remaining = if params.reduce_only {
        params.base_lots.min(reducible_lots(market.seat(taker_seat)?, params.side))
    } else {
        params.base_lots
    };
    remaining = match_against_book(market, taker_seat, params, remaining, &mut outcome)?;

    // A resting order never crosses the book: when matching stopped at a cap while the order
    // still crosses, the rest of a limit order is cancelled like an IOC's.
    let still_crosses = match market.book(opposite(params.side)).best() {
        Some(best) => crosses(params.side, params.price, market.book(opposite(params.side)).get(best)?.price),
        None => false,
    };
    let rests = matches!(params.order_type, OrderType::Limit | OrderType::PostOnly) && !still_crosses;
    if rests && remaining > 0 {
        rest_order(market, taker_seat, params, order_seq, remaining, &mut outcome)?;
        outcome.rested_lots = remaining;
    }
    let header = &*market.header;
    if header.open_interest_lots > header.max_open_interest_lots && header.open_interest_lots > open_interest_before {
        return Err(PerpError::OpenInterestCap);
    }
    Ok(outcome)
}

fn validate(market: &MarketView, taker_seat: u32, params: &OrderParams) -> PerpResult<()> {
    let header = &*market.header;
    crate::validate!(
        params.base_lots != 0 && params.base_lots <= i64::MAX as u64,
        PerpError::InvalidOrderSize,
        "order of {} lots",
        params.base_lots
    );
    if MarketStatus::try_from(header.status)? == MarketStatus::ReduceOnly && !params.reduce_only {
        return Err(PerpError::MarketReduceOnly);
    }
    let oracle = header.oracle_price;
    let reference_price = if params.order_type == OrderType::Market {
        crate::validate!(params.price != 0, PerpError::MissingWorstPrice, "market order without a worst price");
        oracle
    } else {
        crate::validate!(
            params.price != 0 && params.price % header.tick_size == 0,
            PerpError::PriceNotOnTick,
            "price {} on tick {}",
            params.price,
            header.tick_size
        );
        let band = apply_ppm(oracle, u64::from(header.price_band_ppm), Rounding::Down)?;
        let (low, high) = (oracle.saturating_sub(band), oracle.safe_add(band)?);
        crate::validate!(
            (low..=high).contains(&params.price),
            PerpError::PriceOutsideBand,
            "price {} outside the band {}..={} around the oracle {}",
            params.price,
            low,
            high,
            oracle
        );
        params.price
    };
    let notional = order_notional(header.lot_size, params.base_lots, reference_price)?;
    // A reduce-only order that closes the whole position is exempt: a position below the
    // minimum must stay closable (in a reduce-only market its seat could never be released).
    let closes_position =
        params.reduce_only && params.base_lots == reducible_lots(market.seat(taker_seat)?, params.side);
    crate::validate!(
        notional >= header.min_order_notional || closes_position,
        PerpError::OrderBelowMinNotional,
        "notional {} below the minimum {}",
        notional,
        header.min_order_notional
    );
    if params.reduce_only {
        // What may rest reduce-only on a side is capped by the position in total, not per
        // order: 32 orders each the size of the position would be depth that can never fill.
        let resting = if matches!(params.order_type, OrderType::Limit | OrderType::PostOnly) {
            resting_reduce_only_lots(market, taker_seat, params.side)?
        } else {
            0
        };
        let reducible = reducible_lots(market.seat(taker_seat)?, params.side);
        let wanted = params.base_lots.safe_add(resting)?;
        crate::validate!(
            reducible >= wanted,
            PerpError::ReduceOnlyViolation,
            "reduce-only {} lots (with {} resting) against {} reducible",
            params.base_lots,
            resting,
            reducible
        );
    }
    Ok(())
}

/// Lots of the seat's resting reduce-only orders on `side`'s book side.
fn resting_reduce_only_lots(market: &MarketView, seat: u32, side: OrderSide) -> PerpResult<u64> {
    let book_side = side.book_side();
    let mut lots: u64 = 0;
    for slot in market.seat(seat)?.orders.iter().copied().filter(|o| *o != NIL) {
        let (order_side, index) = decode_order(slot);
        if order_side == book_side {
            let node = market.book(order_side).get(index)?;
            if node.reduce_only != 0 {
                lots = lots.safe_add(node.base_lots)?;
            }
        }
    }
    Ok(lots)
}

/// Notional of `lots` at `price` rounded up (oracle prices need not be on the tick).
fn order_notional(lot_size: u64, lots: u64, price: u64) -> PerpResult<u64> {
    let base = lots.safe_mul(lot_size)?;
    mul_div_u64(base, price, crate::math::BASE_PRECISION, Rounding::Up)
}

/// Lots an order of `side` can take off the seat's position without flipping it.
fn reducible_lots(seat: &Seat, side: OrderSide) -> u64 {
    match side {
        OrderSide::Buy if seat.base_lots < 0 => seat.base_lots.unsigned_abs(),
        OrderSide::Sell if seat.base_lots > 0 => seat.base_lots.unsigned_abs(),
        _ => 0,
    }
}

fn opposite(side: OrderSide) -> Side {
    match side {
        OrderSide::Buy => Side::Ask,
        OrderSide::Sell => Side::Bid,
    }
}

/// Whether a taker of `side` with limit `limit` may trade at `resting_price`.
fn crosses(side: OrderSide, limit: u64, resting_price: u64) -> bool {
    match side {
        OrderSide::Buy => resting_price <= limit,
        OrderSide::Sell => resting_price >= limit,
    }
}

/// Walks the opposite side from its best order, filling while it crosses; returns the lots left.
fn match_against_book(
    market: &mut MarketView,
    taker_seat: u32,
    params: &OrderParams,
    mut remaining: u64,
    outcome: &mut PlaceOutcome,
) -> PerpResult<u64> {
    let maker_book_side = opposite(params.side);
    let maker_side = match params.side {
        OrderSide::Buy => OrderSide::Sell,
        OrderSide::Sell => OrderSide::Buy,
    };
    let (band_low, band_high) = fill_band(market.header)?;
    // In a reduce-only market no fill may grow a position, the maker's included: its resting
    // orders fill only as far as they reduce, as reduce-only orders do.
    let reduce_only_market = MarketStatus::try_from(market.header.status)? == MarketStatus::ReduceOnly;
    while remaining > 0 && outcome.fills.len() < MAX_FILLS_PER_ORDER && outcome.cancels.len() < MAX_CANCELS_PER_ORDER {
        let Some(index) = market.book(maker_book_side).best() else { break };
        let node = *market.book(maker_book_side).get(index)?;
        if !crosses(params.side, params.price, node.price) {
            break;
        }
        // A maker applies its pending ADL before anything reads its position.
        if node.seat != taker_seat {
            let MarketView { header, seats, .. } = &mut *market;
            let maker = seats.get_mut(node.seat as usize).filter(|s| !s.is_free()).ok_or(PerpError::NoSeat)?;
            if let Some(applied) = apply_pending_adl(header, maker)? {
                outcome.maker_adl.push((node.seat, maker.trader, applied));
            }
        }
        let reason = if node.price < band_low || node.price > band_high {
            Some(CancelReason::OutsideFillBand)
        } else if node.seat == taker_seat {
            Some(CancelReason::SelfTrade)
        } else if (node.reduce_only != 0 || reduce_only_market)
            && reducible_lots(market.seat(node.seat)?, maker_side) == 0
        {
            Some(CancelReason::ReduceOnly)
        } else {
            None
        };
        if let Some(reason) = reason {
            outcome.cancels.push(remove_resting(market, maker_book_side, index, reason)?);
            continue;
        }
        let mut lots = remaining.min(node.base_lots);
        if node.reduce_only != 0 || reduce_only_market {
            lots = lots.min(reducible_lots(market.seat(node.seat)?, maker_side));
        }
        let fill = fill(market, taker_seat, params.side, index, &node, lots)?;
        outcome.filled_lots = outcome.filled_lots.safe_add(lots)?;
        remaining = remaining.safe_sub(lots)?;
        split_fees(market, fill.maker_fee.safe_add(fill.taker_fee)?, outcome)?;
        outcome.fills.push(fill);
    }
    Ok(remaining)
}

/// Applies one fill of `lots` between the taker and the resting order `index`.
fn fill(
    market: &mut MarketView,
    taker_seat: u32,
    taker_side: OrderSide,
    index: u32,
    node: &OrderNode,
    lots: u64,
) -> PerpResult<FillRecord> {
    let header = &*market.header;
    let per_lot = lot_notional(header.lot_size, node.price)?;
    let notional = per_lot.safe_mul(lots)?;
    let taker_fee = apply_ppm(notional, u64::from(header.taker_fee_ppm), Rounding::Up)?;
    let maker_fee = apply_ppm(notional, u64::from(header.maker_fee_ppm), Rounding::Up)?;
    let signed_lots: i64 = cast(lots)?;
    let taker_delta = signed_lots.safe_mul(taker_side.sign())?;

    // The resting order shrinks (or leaves the book) and its reservation with it.
    let maker_book_side = opposite(taker_side);
    let left = node.base_lots.safe_sub(lots)?;
    if left == 0 {
        market.book_mut(maker_book_side).remove(index)?;
    } else {
        market.book_mut(maker_book_side).get_mut(index)?.base_lots = left;
    }
    let maker = market.seat_mut(node.seat)?;
    release_reservation(maker, maker_book_side, lots, notional)?;
    if left == 0 {
        forget_order(maker, maker_book_side, index)?;
    }
    let maker_trader = maker.trader;
    // Both positions change: each seat first settles the funding it owes at its old size.
    let maker_funding = settle_funding_of(market, node.seat)?;
    settle_funding_of(market, taker_seat)?;
    let maker_realized = apply_to_seat(
        market,
        node.seat,
        taker_delta.checked_neg().ok_or(PerpError::MathOverflow)?,
        per_lot,
        maker_fee,
    )?;
    let taker_realized = apply_to_seat(market, taker_seat, taker_delta, per_lot, taker_fee)?;
    Ok(FillRecord {
        maker_seat: node.seat,
        maker_trader,
        maker_order_seq: node.seq,
        maker_client_order_id: node.client_order_id,
        price: node.price,
        base_lots: lots,
        maker_fee,
        taker_fee,
        maker_realized_pnl: maker_realized,
        taker_realized_pnl: taker_realized,
        maker_funding_paid: maker_funding,
    })
}

/// Settles one seat's funding in place (see `engine::funding`); returns what it paid.
pub fn settle_funding_of(market: &mut MarketView, seat_index: u32) -> PerpResult<i64> {
    let MarketView { header, seats, .. } = market;
    let seat = seats.get_mut(seat_index as usize).filter(|s| !s.is_free()).ok_or(PerpError::NoSeat)?;
    settle_seat_funding(header, seat)
}

/// Applies a fill to a seat's position and charges its fee. Returns the realized PnL.
fn apply_to_seat(market: &mut MarketView, seat_index: u32, delta_lots: i64, per_lot: u64, fee: u64) -> PerpResult<i64> {
    let per_lot: i64 = cast(per_lot)?;
    let cash = per_lot.safe_mul(delta_lots)?.checked_neg().ok_or(PerpError::MathOverflow)?;
    let fee: i64 = cast(fee)?;
    apply_trade_to_seat(market, seat_index, delta_lots, cash, fee.checked_neg().ok_or(PerpError::MathOverflow)?)
}

/// Applies a trade of `delta_lots` for the signed cash flow `cash` (see `Position::apply_trade`)
/// to a seat, and adds `quote_delta` (a fee charged: negative; a penalty share received:
/// positive) to its unsettled quote; keeps the market's totals (sum of cost bases, sum of
/// unsettled quote, open interest, the sides' seat counts) in step. The seat's funding must be
/// settled and its pending ADL applied first. Returns the realized PnL.
pub fn apply_trade_to_seat(
    market: &mut MarketView,
    seat_index: u32,
    delta_lots: i64,
    cash: i64,
    quote_delta: i64,
) -> PerpResult<i64> {
    let MarketView { header, seats, .. } = market;
    let seat = seats.get_mut(seat_index as usize).filter(|s| !s.is_free()).ok_or(PerpError::NoSeat)?;
    let mut position = Position { base_lots: seat.base_lots, quote_entry: seat.quote_entry };
    let (base_before, entry_before) = (seat.base_lots, seat.quote_entry);
    let long_before = base_before.max(0);
    let realized = position.apply_trade(delta_lots, cash)?;
    let unsettled_delta = realized.safe_add(quote_delta)?;
    seat.base_lots = position.base_lots;
    seat.quote_entry = position.quote_entry;
    seat.unsettled_quote = seat.unsettled_quote.safe_add(unsettled_delta)?;
    seat.realized_pnl = seat.realized_pnl.safe_add(realized)?;
    let long_after = seat.base_lots.max(0);
    // A position that leaves a side or joins one: the side's seat count (ADL waits for its
    // seats), and a seat joining a side starts after the side's past events.
    let (after, left) = (seat.base_lots, base_before != 0 && base_before.signum() != seat.base_lots.signum());
    if left {
        let side = &mut header.adl[side_of(base_before)];
        side.seat_count = side.seat_count.safe_sub(1)?;
    }
    if after != 0 && after.signum() != base_before.signum() {
        let side = &mut header.adl[side_of(after)];
        side.seat_count = side.seat_count.safe_add(1)?;
        seat.adl_seq = side.next_seq;
    }
    header.sum_quote_entry = header.sum_quote_entry.safe_add(position.quote_entry.safe_sub(entry_before)?)?;
    header.sum_unsettled_quote = header.sum_unsettled_quote.safe_add(unsettled_delta)?;
    let oi: i64 = cast(header.open_interest_lots)?;
    header.open_interest_lots = cast(oi.safe_add(long_after.safe_sub(long_before)?)?)?;
    Ok(realized)
}

/// Splits fees between the fee pool and the insurance fund (the insurance share rounded up).
fn split_fees(market: &MarketView, fees: u64, outcome: &mut PlaceOutcome) -> PerpResult<()> {
    let to_insurance = apply_ppm(fees, u64::from(market.header.fee_insurance_share_ppm), Rounding::Up)?.min(fees);
    outcome.fees_to_insurance = outcome.fees_to_insurance.safe_add(to_insurance)?;
    outcome.fees_to_pool = outcome.fees_to_pool.safe_add(fees.safe_sub(to_insurance)?)?;
    Ok(())
}

/// Rests `lots` of the taker's order; on a full side it evicts the worst order if the new one
/// beats it.
fn rest_order(
    market: &mut MarketView,
    seat_index: u32,
    params: &OrderParams,
    order_seq: u64,
    lots: u64,
    outcome: &mut PlaceOutcome,
) -> PerpResult<()> {
    let side = params.side.book_side();
    if market.seat(seat_index)?.order_count as usize >= MAX_ORDERS_PER_SEAT {
        return Err(PerpError::TooManyOpenOrders);
    }
    if market.book(side).is_full() {
        let worst = market.book(side).worst().ok_or(PerpError::BookSideFull)?;
        let worst_price = market.book(side).get(worst)?.price;
        let beats = match side {
            Side::Bid => params.price > worst_price,
            Side::Ask => params.price < worst_price,
        };
        if !beats {
            return Err(PerpError::BookSideFull);
        }
        outcome.cancels.push(remove_resting(market, side, worst, CancelReason::Evicted)?);
    }
    let node = OrderNode {
        price: params.price,
        base_lots: lots,
        seq: order_seq,
        client_order_id: params.client_order_id,
        seat: seat_index,
        left: NIL,
        right: NIL,
        height: 0,
        reduce_only: u8::from(params.reduce_only),
        _padding: [0; 2],
    };
    let index = market.book_mut(side).insert(node)?;
    let notional = lot_notional(market.header.lot_size, params.price)?.safe_mul(lots)?;
    let seat = market.seat_mut(seat_index)?;
    let slot = seat.orders.iter().position(|o| *o == NIL).ok_or(PerpError::TooManyOpenOrders)?;
    seat.orders[slot] = encode_order(side, index);
    seat.order_count = seat.order_count.safe_add(1)?;
    match side {
        Side::Bid => {
            seat.open_bid_lots = seat.open_bid_lots.safe_add(lots)?;
            seat.open_bid_notional = seat.open_bid_notional.safe_add(notional)?;
        }
        Side::Ask => {
            seat.open_ask_lots = seat.open_ask_lots.safe_add(lots)?;
            seat.open_ask_notional = seat.open_ask_notional.safe_add(notional)?;
        }
    }
    Ok(())
}

fn encode_order(side: Side, index: u32) -> u32 {
    match side {
        Side::Bid => index,
        Side::Ask => index | ASK_BIT,
    }
}

/// The book side and node index a seat's order slot refers to.
pub fn decode_order(slot: u32) -> (Side, u32) {
    if slot & ASK_BIT != 0 {
        (Side::Ask, slot & !ASK_BIT)
    } else {
        (Side::Bid, slot)
    }
}

fn release_reservation(seat: &mut Seat, side: Side, lots: u64, notional: u64) -> PerpResult<()> {
    match side {
        Side::Bid => {
            seat.open_bid_lots = seat.open_bid_lots.safe_sub(lots)?;
            seat.open_bid_notional = seat.open_bid_notional.safe_sub(notional)?;
        }
        Side::Ask => {
            seat.open_ask_lots = seat.open_ask_lots.safe_sub(lots)?;
            seat.open_ask_notional = seat.open_ask_notional.safe_sub(notional)?;
        }
    }
    Ok(())
}

fn forget_order(seat: &mut Seat, side: Side, index: u32) -> PerpResult<()> {
    let code = encode_order(side, index);
    let slot = seat.orders.iter().position(|o| *o == code).ok_or(PerpError::OrderNotFound)?;
    seat.orders[slot] = NIL;
    seat.order_count = seat.order_count.safe_sub(1)?;
    Ok(())
}

/// Takes a resting order off the book and releases its owner's reservation.
pub fn remove_resting(
    market: &mut MarketView,
    side: Side,
    index: u32,
    reason: CancelReason,
) -> PerpResult<CancelRecord> {
    let node = market.book_mut(side).remove(index)?;
    let notional = lot_notional(market.header.lot_size, node.price)?.safe_mul(node.base_lots)?;
    let seat = market.seat_mut(node.seat)?;
    release_reservation(seat, side, node.base_lots, notional)?;
    forget_order(seat, side, index)?;
    Ok(CancelRecord {
        seat: node.seat,
        trader: seat.trader,
        order_seq: node.seq,
        client_order_id: node.client_order_id,
        side: match side {
            Side::Bid => OrderSide::Buy,
            Side::Ask => OrderSide::Sell,
        },
        price: node.price,
        base_lots: node.base_lots,
        reason,
    })
}

/// Cancels the seat's order with `client_order_id` (the first one found).
pub fn cancel_by_client_id(market: &mut MarketView, seat_index: u32, client_order_id: u64) -> PerpResult<CancelRecord> {
    let seat = *market.seat(seat_index)?;
    for slot in seat.orders.iter().copied().filter(|o| *o != NIL) {
        let (side, index) = decode_order(slot);
        if market.book(side).get(index)?.client_order_id == client_order_id {
            return remove_resting(market, side, index, CancelReason::User);
        }
    }
    Err(PerpError::OrderNotFound)
}

/// Cancels every order of the seat.
pub fn cancel_all(market: &mut MarketView, seat_index: u32, reason: CancelReason) -> PerpResult<Vec<CancelRecord>> {
    let seat = *market.seat(seat_index)?;
    let mut cancels = Vec::with_capacity(seat.order_count as usize);
    for slot in seat.orders.iter().copied().filter(|o| *o != NIL) {
        let (side, index) = decode_order(slot);
        cancels.push(remove_resting(market, side, index, reason)?);
    }
    Ok(cancels)
}

#[cfg(test)]
mod tests;
