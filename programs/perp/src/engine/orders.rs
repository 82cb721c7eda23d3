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
/// a fill costs about 3,800 CU, and the worst order (a taker with 8 markets, this many fills
/// after `MAX_CANCELS_PER_ORDER` cancels, or fewer and its own reduce-only trims (`max_fills`),
/// then the funding re-read of a deep book) must stay within 200,000 CU (about 190,000
/// measured: docs/compute-units.md).
pub const MAX_FILLS_PER_ORDER: usize = 28;
/// Most resting orders one taker order may cancel while matching (outside the fill band,
/// self-trade, reduce-only that can no longer reduce). Once it is reached matching goes on only
/// while it can fill: it passes over the orders priced beyond the fill band's near edge and stops
/// at the first other order it would have to cancel (see `match_against_book`).
pub const MAX_CANCELS_PER_ORDER: usize = 8;
/// An order that may leave its own reduce-only orders beyond its position trims them after
/// matching (`trim_reduce_only`, each such order touched at most once). It pays for them with
/// fills: a trim costs this many quarters of a fill (on the SBF build a trim, its event included,
/// measured about 2,700 CU and a fill about 3,800: docs/compute-units.md), so an order that may
/// trim `k` of them makes at most `MAX_FILLS_PER_ORDER - ceil(k * TRIM_QUARTER_FILLS / 4)`
/// fills and its instruction's worst case stays that of the fills.
pub const TRIM_QUARTER_FILLS: usize = 3;

/// The fills an order may make when it may trim `own_trims` of its own reduce-only orders.
pub fn max_fills(own_trims: usize) -> usize {
    MAX_FILLS_PER_ORDER.saturating_sub(own_trims.saturating_mul(TRIM_QUARTER_FILLS).div_ceil(4))
}

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
    // The taker's own reduce-only orders this order may leave beyond its position: trimmed
    // after the match, paid for with fills.
    let own_trims = own_trims_possible(market, taker_seat, params.side, remaining)?;
    remaining = match_against_book(market, taker_seat, params, remaining, max_fills(own_trims), &mut outcome)?;

    // A resting order never crosses the book: when matching stopped at a cap while the order
    // still crosses, the rest of a limit order is cancelled like an IOC's.
    let still_crosses = match market.book(opposite(params.side)).best() {
        Some(best) => crosses(params.side, params.price, market.book(opposite(params.side)).get(best)?.price),
        None => false,
    };
    let rests = matches!(params.order_type, OrderType::Limit | OrderType::PostOnly)
        && !still_crosses
        && !(outcome.filled_lots > 0
            && is_remnant(market, taker_seat, params.reduce_only, params.side, remaining, params.price)?);
    if rests && remaining > 0 {
        rest_order(market, taker_seat, params, order_seq, remaining, &mut outcome)?;
        outcome.rested_lots = remaining;
    }
    if own_trims > 0 {
        outcome.cancels.reserve_exact(own_trims);
        trim_reduce_only(market, taker_seat, own_trims, &mut outcome.cancels)?;
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
        // A resting reduce-only order, with every other order of the seat on its side, may add
        // up to the position at most: 32 orders each the size of the position would be depth
        // that can never fill, and the seat's other orders there fill first or alongside (a
        // maker's fill never leaves its reduce-only orders beyond its position: see
        // `trim_reduce_only`).
        let seat = market.seat(taker_seat)?;
        let resting = if matches!(params.order_type, OrderType::Limit | OrderType::PostOnly) {
            open_lots(seat, params.side.book_side())
        } else {
            0
        };
        let reducible = reducible_lots(seat, params.side);
        let wanted = params.base_lots.safe_add(resting)?;
        crate::validate!(
            reducible >= wanted,
            PerpError::ReduceOnlyViolation,
            "reduce-only {} lots (with {} resting on that side) against {} reducible",
            params.base_lots,
            resting,
            reducible
        );
    }
    Ok(())
}

/// Lots of the seat's resting orders on `side`.
fn open_lots(seat: &Seat, side: Side) -> u64 {
    match side {
        Side::Bid => seat.open_bid_lots,
        Side::Ask => seat.open_ask_lots,
    }
}

/// The book side whose orders reduce a position of `base_lots` (asks for a long, bids for a
/// short; none when flat).
fn reducing_side(base_lots: i64) -> Option<Side> {
    match base_lots.signum() {
        1 => Some(Side::Ask),
        -1 => Some(Side::Bid),
        _ => None,
    }
}

/// How many of the taker's reduce-only orders an order of `side` for `lots` may have to trim
/// after matching (`trim_reduce_only` touches each at most once): all of them when the order
/// reduces the position and, filled or resting, could take it below the seat's orders on that
/// side; else none. Zero without reading the seat's orders when it cannot (the common case).
fn own_trims_possible(market: &MarketView, seat_index: u32, side: OrderSide, lots: u64) -> PerpResult<usize> {
    let seat = market.seat(seat_index)?;
    let reducible = reducible_lots(seat, side);
    if reducible == 0 || open_lots(seat, side.book_side()).safe_add(lots)? <= reducible {
        return Ok(0);
    }
    let mut count = 0;
    for slot in seat.orders.iter().copied().filter(|o| *o != NIL) {
        let (order_side, index) = decode_order(slot);
        count += usize::from(market.book(order_side).get(index)?.reduce_only != 0);
    }
    Ok(count)
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
///
/// An order it cannot fill (outside the fill band, the taker's own, reduce-only that can no
/// longer reduce) it cancels, up to `MAX_CANCELS_PER_ORDER`. After that it goes on only while
/// it can fill: orders priced beyond the band's near edge (asks below it, bids above it: the
/// oracle has moved past them) it passes over, walking on from the near edge (one descent, as
/// for the best order), since the orders a taker can fill are behind them; at any other order
/// it would have to cancel, it stops. So orders that cannot fill never keep a taker from those
/// that can: stale orders beyond the band are left for the next takers to clean up (or for
/// their owners), and reduce-only orders never rest beyond what their seat can reduce
/// (`trim_reduce_only`).
fn match_against_book(
    market: &mut MarketView,
    taker_seat: u32,
    params: &OrderParams,
    mut remaining: u64,
    max_fills: usize,
    outcome: &mut PlaceOutcome,
) -> PerpResult<u64> {
    let maker_book_side = opposite(params.side);
    let maker_side = params.side.opposite();
    let (band_low, band_high) = fill_band(market.header)?;
    let near_edge = match maker_book_side {
        Side::Ask => band_low,
        Side::Bid => band_high,
    };
    // In a reduce-only market no fill may grow a position, the maker's included: its resting
    // orders fill only as far as they reduce, as reduce-only orders do.
    let reduce_only_market = MarketStatus::try_from(market.header.status)? == MarketStatus::ReduceOnly;
    let mut from_near_edge = false;
    while remaining > 0 && outcome.fills.len() < max_fills {
        let book = market.book(maker_book_side);
        let next = if from_near_edge { book.iter_from(near_edge).next() } else { book.best() };
        let Some(index) = next else { break };
        let node = *market.book(maker_book_side).get(index)?;
        if !crosses(params.side, params.price, node.price) {
            break;
        }
        let before_band = match maker_book_side {
            Side::Ask => node.price < band_low,
            Side::Bid => node.price > band_high,
        };
        if before_band && outcome.cancels.len() >= MAX_CANCELS_PER_ORDER {
            from_near_edge = true;
            continue;
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
            if outcome.cancels.len() >= MAX_CANCELS_PER_ORDER {
                break;
            }
            outcome.cancels.push(remove_resting(market, maker_book_side, index, reason)?);
            continue;
        }
        let mut lots = remaining.min(node.base_lots);
        if node.reduce_only != 0 || reduce_only_market {
            lots = lots.min(reducible_lots(market.seat(node.seat)?, maker_side));
        }
        take(market, taker_seat, params.side, index, &node, lots, outcome)?;
        remaining = remaining.safe_sub(lots)?;
    }
    Ok(remaining)
}

/// One fill of `lots` against the resting order `index` (`node` before it), with its fees; then
/// what the fill leaves of the order must still be an order the market accepts: a remnant below
/// the minimum leaves the book (within the cancel cap), so resting depth is never made of crumbs
/// (the funding walk reads 64 orders; crumbs there would make a side read thin for nothing).
/// Out of line: the matching loop's frame stays small.
#[inline(never)]
fn take(
    market: &mut MarketView,
    taker_seat: u32,
    taker_side: OrderSide,
    index: u32,
    node: &OrderNode,
    lots: u64,
    outcome: &mut PlaceOutcome,
) -> PerpResult<()> {
    let fill = fill(market, taker_seat, taker_side, index, node, lots)?;
    outcome.filled_lots = outcome.filled_lots.safe_add(lots)?;
    split_fees(market, fill.maker_fee.safe_add(fill.taker_fee)?, outcome)?;
    outcome.fills.push(fill);
    let left = node.base_lots.safe_sub(lots)?;
    let maker_side = taker_side.opposite();
    if left > 0
        && outcome.cancels.len() < MAX_CANCELS_PER_ORDER
        && is_remnant(market, node.seat, node.reduce_only != 0, maker_side, left, node.price)?
    {
        outcome.cancels.push(remove_resting(market, maker_side.book_side(), index, CancelReason::Remnant)?);
    }
    Ok(())
}

/// Whether `lots` left of an order at `price` are below the market's minimum order notional, a
/// reduce-only order that would close its seat's whole position excepted (it must stay closable).
fn is_remnant(
    market: &MarketView,
    seat: u32,
    reduce_only: bool,
    side: OrderSide,
    lots: u64,
    price: u64,
) -> PerpResult<bool> {
    let header = &*market.header;
    if order_notional(header.lot_size, lots, price)? >= header.min_order_notional {
        return Ok(false);
    }
    Ok(!(reduce_only && lots == reducible_lots(market.seat(seat)?, side)))
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
    Ok(cancel_record(&node, seat.trader, side, node.base_lots, reason))
}

/// What leaving the book took from `node` (`lots` of it), for the event.
fn cancel_record(node: &OrderNode, trader: Pubkey, side: Side, lots: u64, reason: CancelReason) -> CancelRecord {
    CancelRecord {
        seat: node.seat,
        trader,
        order_seq: node.seq,
        client_order_id: node.client_order_id,
        side: match side {
            Side::Bid => OrderSide::Buy,
            Side::Ask => OrderSide::Sell,
        },
        price: node.price,
        base_lots: lots,
        reason,
    }
}

/// Takes `lots` (fewer than it holds) off a resting order, which keeps its place in the book,
/// and releases that part of its owner's reservation. The record says what was taken off.
fn shrink_resting(
    market: &mut MarketView,
    side: Side,
    index: u32,
    lots: u64,
    reason: CancelReason,
) -> PerpResult<CancelRecord> {
    let node = {
        let mut book = market.book_mut(side);
        let node = book.get_mut(index)?;
        node.base_lots = node.base_lots.safe_sub(lots)?;
        *node
    };
    let notional = lot_notional(market.header.lot_size, node.price)?.safe_mul(lots)?;
    let seat = market.seat_mut(node.seat)?;
    release_reservation(seat, side, lots, notional)?;
    Ok(cancel_record(&node, seat.trader, side, lots, reason))
}

/// One reduce-only order of a seat, as `trim_reduce_only` sees it (32 bytes: the seat's 32 of
/// them stay well within an SBF stack frame).
#[derive(Clone, Copy, Default)]
struct HeldReduceOnly {
    /// Sort key: the worst-priced first (the highest ask, the lowest bid), the latest first.
    worse: (u64, u64),
    /// Lots on the book; then the lots to take off.
    lots: u64,
    index: u32,
    ask: bool,
    /// On the side that reduces the position (else all of it goes, and it sorts first).
    reducing: bool,
}

/// Trims the seat's reduce-only orders to what its position can still reduce. On the side that
/// reduces the position they may add up to the position less the seat's other orders there
/// (those fill first or alongside, and their fills would leave the reduce-only ones beyond the
/// position); the excess comes off the worst-priced first (the latest first at one price), and
/// an order trimmed to nothing leaves the book. On the other side (both when flat) they all go.
/// Each trim is appended to `out` as a `CancelRecord` (reason `ReduceOnly`) of the lots taken
/// off: at most one per reduce-only order. A trim that would take more than `limit` records
/// changes nothing and is refused (`ReduceOnlyViolation`).
///
/// Called wherever a seat's position shrinks or its orders on the reducing side grow otherwise
/// than by reduce-only orders that fit: after its own order (placed, filled or rested), its
/// takeover as a liquidator, and its ADL. A maker's fill never needs it: filling `d` lots of its
/// orders on the reducing side takes `d` off those orders and at most `d` off the position, so
/// reduce-only orders that fitted still fit. Reads the seat's 32 order slots.
pub fn trim_reduce_only(
    market: &mut MarketView,
    seat_index: u32,
    limit: usize,
    out: &mut Vec<CancelRecord>,
) -> PerpResult<()> {
    let seat = market.seat(seat_index)?;
    let (base_lots, slots) = (seat.base_lots, seat.orders);
    let reducing = reducing_side(base_lots);
    let open_on_reducing_side = reducing.map(|side| open_lots(seat, side)).unwrap_or(0);
    let mut held = [HeldReduceOnly::default(); MAX_ORDERS_PER_SEAT];
    let (mut count, mut reducing_lots) = (0usize, 0u64);
    for slot in slots.iter().copied().filter(|o| *o != NIL) {
        let (side, index) = decode_order(slot);
        let node = market.book(side).get(index)?;
        if node.reduce_only == 0 {
            continue;
        }
        let on_reducing_side = Some(side) == reducing;
        if on_reducing_side {
            reducing_lots = reducing_lots.safe_add(node.base_lots)?;
        }
        // Worst first: the highest ask, the lowest bid.
        let worse_price = match side {
            Side::Ask => u64::MAX - node.price,
            Side::Bid => node.price,
        };
        let entry = held.get_mut(count).ok_or(PerpError::TooManyOpenOrders)?;
        *entry = HeldReduceOnly {
            worse: (worse_price, u64::MAX - node.seq),
            lots: node.base_lots,
            index,
            ask: side == Side::Ask,
            reducing: on_reducing_side,
        };
        count += 1;
    }
    let held = &mut held[..count];
    // The room: the position less the seat's other orders on its reducing side.
    let others = open_on_reducing_side.safe_sub(reducing_lots)?;
    let room = base_lots.unsigned_abs().saturating_sub(others);
    let excess = reducing_lots.saturating_sub(room);
    // What comes off each order: all of it off the other side, `excess` off the reducing side.
    held.sort_unstable_by_key(|h| (h.reducing, h.worse));
    let mut left = excess;
    let mut records = 0usize;
    for h in held.iter_mut() {
        if h.reducing {
            let take = left.min(h.lots);
            left = left.safe_sub(take)?;
            h.lots = take;
        }
        records += usize::from(h.lots > 0);
    }
    crate::validate!(
        records <= limit,
        PerpError::ReduceOnlyViolation,
        "{} reduce-only orders of seat {} beyond its position {} ({} allowed)",
        records,
        seat_index,
        base_lots,
        limit
    );
    for h in held.iter().filter(|h| h.lots > 0) {
        let side = if h.ask { Side::Ask } else { Side::Bid };
        let resting = market.book(side).get(h.index)?.base_lots;
        out.push(if h.lots >= resting {
            remove_resting(market, side, h.index, CancelReason::ReduceOnly)?
        } else {
            shrink_resting(market, side, h.index, h.lots, CancelReason::ReduceOnly)?
        });
    }
    Ok(())
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
