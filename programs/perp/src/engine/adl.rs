//! Auto-deleveraging on a market account (see `state::adl` for the scheme): what a seat's pending
//! events do to it, applying them, moving a bankrupt position into the insurance position with an
//! event for the opposite side, and the insurance position's own funding.
use crate::engine::orders::{trim_reduce_only, CancelRecord};
use crate::error::{PerpError, PerpResult};
use crate::math::fixed::{mul_div_u64, Rounding, BASE_PRECISION};
use crate::math::funding::funding_owed;
use crate::math::position::{lots_value, Position};
use crate::math::safe::{cast, SafeMath};
use crate::state::adl::{side_of, AdlEvent, ADL_RING, LONG};
use crate::state::market::{MarketHeader, MarketView, Seat, MAX_ORDERS_PER_SEAT};

/// What a seat's pending ADL events do to it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AdlApplied {
    /// Events applied and the sequence number of the last one.
    pub events: u32,
    pub last_seq: u64,
    /// Lots closed and the signed cash they moved at (received by a long: > 0).
    pub lots: u64,
    pub cash: i64,
    /// PnL realized on the closed lots, floored.
    pub realized_pnl: i64,
    /// Funding the seat settled on its size before each event, up to it (> 0: paid).
    pub funding_paid: i64,
    /// Funding the insurance position hands back for the closed lots, from each event to now
    /// (> 0: the insurance position pays): it collected it as their counterparty meanwhile.
    pub insurance_refund: i64,
    /// The price (1e6) of the last event applied.
    pub price: u64,
    /// The seat's position and cost basis afterwards, and its funding indices.
    pub base_lots: i64,
    pub quote_entry: i64,
    pub last_funding_long: i64,
    pub last_funding_short: i64,
    /// Lots closed per event, by ring slot.
    closed: [u64; ADL_RING],
}

/// What the seat's pending events would do, without changing anything (`None`: nothing pending).
pub fn pending_adl(header: &MarketHeader, seat: &Seat) -> PerpResult<Option<AdlApplied>> {
    if seat.base_lots == 0 {
        return Ok(None);
    }
    let side = side_of(seat.base_lots);
    let adl = &header.adl[side];
    if seat.adl_seq >= adl.next_seq {
        return Ok(None);
    }
    let sign = seat.base_lots.signum();
    let mut position = Position { base_lots: seat.base_lots, quote_entry: seat.quote_entry };
    let mut out = AdlApplied {
        last_funding_long: seat.last_funding_long,
        last_funding_short: seat.last_funding_short,
        ..AdlApplied::default()
    };
    for seq in seat.adl_seq..adl.next_seq {
        let event = adl.event(seq)?;
        let owed = funding_owed(
            position.base_lots,
            event.funding_long.safe_sub(out.last_funding_long)?,
            event.funding_short.safe_sub(out.last_funding_short)?,
        )?;
        out.funding_paid = out.funding_paid.safe_add(owed)?;
        out.last_funding_long = event.funding_long;
        out.last_funding_short = event.funding_short;
        let held = position.base_lots.unsigned_abs();
        let keep = mul_div_u64(held, event.keep_lots, event.side_lots, Rounding::Down)?;
        let closed = held.safe_sub(keep)?;
        out.events = out.events.safe_add(1)?;
        out.last_seq = seq;
        out.price = event.price;
        if closed == 0 {
            continue;
        }
        let closed_signed: i64 = cast(closed)?;
        // A long sells its lots for the floor, a short buys them back for the ceiling.
        let cash = if sign > 0 {
            lots_value(closed_signed, header.lot_size, event.price, Rounding::Down)?
        } else {
            lots_value(closed_signed, header.lot_size, event.price, Rounding::Up)?
                .checked_neg()
                .ok_or(PerpError::MathOverflow)?
        };
        let delta = closed_signed.safe_mul(sign)?.checked_neg().ok_or(PerpError::MathOverflow)?;
        out.realized_pnl = out.realized_pnl.safe_add(position.apply_trade(delta, cash)?)?;
        out.cash = out.cash.safe_add(cash)?;
        out.lots = out.lots.safe_add(closed)?;
        out.closed[slot(seq)?] = closed;
        out.insurance_refund = out.insurance_refund.safe_add(funding_owed(
            closed_signed.safe_mul(sign)?,
            header.cumulative_funding_long.safe_sub(event.funding_long)?,
            header.cumulative_funding_short.safe_sub(event.funding_short)?,
        )?)?;
    }
    out.base_lots = position.base_lots;
    out.quote_entry = position.quote_entry;
    Ok(Some(out))
}

/// The seat as it is once its pending ADL events are applied (for margin and views), and what
/// they do; the seat itself when nothing is pending.
pub fn effective_seat(header: &MarketHeader, seat: &Seat) -> PerpResult<(Seat, Option<AdlApplied>)> {
    let Some(applied) = pending_adl(header, seat)? else { return Ok((*seat, None)) };
    let mut effective = *seat;
    effective.base_lots = applied.base_lots;
    effective.quote_entry = applied.quote_entry;
    effective.unsettled_quote = seat.unsettled_quote.safe_add(applied.realized_pnl)?.safe_sub(applied.funding_paid)?;
    effective.last_funding_long = applied.last_funding_long;
    effective.last_funding_short = applied.last_funding_short;
    effective.adl_seq = header.adl[side_of(seat.base_lots)].next_seq;
    Ok((effective, Some(applied)))
}

/// Applies the seat's pending ADL events (funding first, event by event, then the closes against
/// the insurance position) and keeps the market's totals in step. Returns what it did.
pub fn apply_pending_adl(header: &mut MarketHeader, seat: &mut Seat) -> PerpResult<Option<AdlApplied>> {
    let Some(applied) = pending_adl(header, seat)? else { return Ok(None) };
    let side = side_of(seat.base_lots);
    settle_insurance_funding(header)?;
    // The seat: funding up to the events, then its closes.
    let (long_before, entry_before) = (seat.base_lots.max(0), seat.quote_entry);
    let unsettled_delta = applied.realized_pnl.safe_sub(applied.funding_paid)?;
    seat.base_lots = applied.base_lots;
    seat.quote_entry = applied.quote_entry;
    seat.unsettled_quote = seat.unsettled_quote.safe_add(unsettled_delta)?;
    seat.realized_pnl = seat.realized_pnl.safe_add(applied.realized_pnl)?;
    seat.funding_paid = seat.funding_paid.safe_add(applied.funding_paid)?;
    seat.last_funding_long = applied.last_funding_long;
    seat.last_funding_short = applied.last_funding_short;
    header.sum_quote_entry = header.sum_quote_entry.safe_add(applied.quote_entry.safe_sub(entry_before)?)?;
    header.sum_unsettled_quote = header.sum_unsettled_quote.safe_add(unsettled_delta)?;
    header.funding_settled_net = header.funding_settled_net.safe_add(applied.funding_paid)?;
    add_open_interest(header, seat.base_lots.max(0).safe_sub(long_before)?)?;
    // The insurance position takes the other side of every close, and hands back the funding
    // it collected on the closed lots since their event.
    let lots: i64 = cast(applied.lots)?;
    let sign = if side == LONG { 1 } else { -1 };
    trade_insurance(header, lots.safe_mul(sign)?, applied.cash.checked_neg().ok_or(PerpError::MathOverflow)?)?;
    let insurance = &mut header.insurance;
    insurance.unsettled_quote = insurance.unsettled_quote.safe_sub(applied.insurance_refund)?;
    header.funding_settled_net = header.funding_settled_net.safe_add(applied.insurance_refund)?;
    // The events: what was closed, and one seat fewer to wait for.
    let adl = &mut header.adl[side];
    for seq in seat.adl_seq..adl.next_seq {
        let closed = applied.closed[slot(seq)?];
        let event = adl.event_mut(seq)?;
        let planned = event.side_lots.safe_sub(event.keep_lots)?;
        let still_planned = planned.saturating_sub(event.applied_lots);
        event.applied_lots = event.applied_lots.safe_add(closed)?;
        event.pending_seats = event.pending_seats.safe_sub(1)?;
        let mut done = closed.min(still_planned);
        if event.pending_seats == 0 {
            // Every seat has applied it: what it planned and nobody closed never will be.
            done = still_planned;
        }
        adl.pending_close_lots = adl.pending_close_lots.saturating_sub(done);
    }
    seat.adl_seq = adl.next_seq;
    if seat.base_lots == 0 {
        adl.seat_count = adl.seat_count.safe_sub(1)?;
    }
    Ok(Some(applied))
}

/// Applies the pending ADL of a seat in a market and trims its reduce-only orders to what its
/// position can still reduce (`orders::trim_reduce_only`, cancels as `CancelReason::ReduceOnly`).
pub fn apply_adl(market: &mut MarketView, seat_index: u32) -> PerpResult<(Option<AdlApplied>, Vec<CancelRecord>)> {
    let MarketView { header, seats, .. } = market;
    let seat = seats.get_mut(seat_index as usize).filter(|s| !s.is_free()).ok_or(PerpError::NoSeat)?;
    let Some(applied) = apply_pending_adl(header, seat)? else { return Ok((None, Vec::new())) };
    let mut cancels = Vec::with_capacity(seat.order_count as usize);
    trim_reduce_only(market, seat_index, MAX_ORDERS_PER_SEAT, &mut cancels)?;
    Ok((Some(applied), cancels))
}

/// Moves the insurance position's pending funding into its unsettled quote (as a seat settles).
pub fn settle_insurance_funding(header: &mut MarketHeader) -> PerpResult<i64> {
    let owed = insurance_pending_funding(header)?;
    let insurance = &mut header.insurance;
    insurance.last_funding_long = header.cumulative_funding_long;
    insurance.last_funding_short = header.cumulative_funding_short;
    insurance.unsettled_quote = insurance.unsettled_quote.safe_sub(owed)?;
    header.funding_settled_net = header.funding_settled_net.safe_add(owed)?;
    Ok(owed)
}

/// Funding the insurance position owes since its last settlement (> 0: it pays).
pub fn insurance_pending_funding(header: &MarketHeader) -> PerpResult<i64> {
    let insurance = &header.insurance;
    funding_owed(
        insurance.base_lots,
        header.cumulative_funding_long.safe_sub(insurance.last_funding_long)?,
        header.cumulative_funding_short.safe_sub(insurance.last_funding_short)?,
    )
}

/// A trade of the insurance position (funding settled first by the caller); keeps the open
/// interest in step with its long lots.
fn trade_insurance(header: &mut MarketHeader, delta_lots: i64, cash: i64) -> PerpResult<i64> {
    let insurance = &mut header.insurance;
    let long_before = insurance.base_lots.max(0);
    let mut position = Position { base_lots: insurance.base_lots, quote_entry: insurance.quote_entry };
    let realized = position.apply_trade(delta_lots, cash)?;
    insurance.base_lots = position.base_lots;
    insurance.quote_entry = position.quote_entry;
    insurance.unsettled_quote = insurance.unsettled_quote.safe_add(realized)?;
    insurance.realized_pnl = insurance.realized_pnl.safe_add(realized)?;
    let long_after = insurance.base_lots.max(0);
    add_open_interest(header, long_after.safe_sub(long_before)?)?;
    Ok(realized)
}

fn add_open_interest(header: &mut MarketHeader, long_delta: i64) -> PerpResult<()> {
    let oi: i64 = cast(header.open_interest_lots)?;
    header.open_interest_lots = cast(oi.safe_add(long_delta)?)?;
    Ok(())
}

fn slot(seq: u64) -> PerpResult<usize> {
    cast(seq % ADL_RING as u64)
}

/// A bankrupt position closed into the insurance position, and the event it left.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BankruptClose {
    /// The position closed (lots, > 0 long) and the cash it moved at (received: > 0).
    pub base_lots: i64,
    pub cash: i64,
    /// The bankruptcy price (1e6) the opposite side closes at, rounded against it.
    pub price: u64,
    /// The opposite side's effective lots and the lots they give up: every position there loses
    /// `closed_lots / side_lots` of itself (0 / 0 when the side has no seats: the insurance
    /// position keeps it).
    pub side_lots: u64,
    pub closed_lots: u64,
    /// The event's sequence number on the opposite side (when there is one).
    pub event_seq: Option<u64>,
    pub realized_pnl: i64,
    /// The insurance position afterwards (lots, > 0 long).
    pub insurance_position_lots: i64,
}

/// Closes the (settled, ADL-applied) seat's whole position into the insurance position for
/// `cash` (what the seat receives: > 0 for a long), and records an event for the opposite side at
/// the bankruptcy price `cash` implies, rounded against that side. The opposite side gives up
/// the closed lots (at most its effective size) pro rata, lazily.
pub fn close_into_insurance(market: &mut MarketView, seat_index: u32, cash: i64) -> PerpResult<BankruptClose> {
    let header_lot = market.header.lot_size;
    let base = market.seat(seat_index)?.base_lots;
    if base == 0 {
        return Ok(BankruptClose::default());
    }
    settle_insurance_funding(market.header)?;
    let delta = base.checked_neg().ok_or(PerpError::MathOverflow)?;
    let realized = crate::engine::orders::apply_trade_to_seat(market, seat_index, delta, cash, 0)?;
    let header = &mut *market.header;
    trade_insurance(header, base, cash.checked_neg().ok_or(PerpError::MathOverflow)?)?;

    // The bankruptcy price: |cash| per base unit; the opposite side of a long buys back (rounded
    // up), of a short sells (rounded down).
    let lots = base.unsigned_abs();
    let size = lots.safe_mul(header_lot)?;
    let rounding = if base > 0 { Rounding::Up } else { Rounding::Down };
    let price = mul_div_u64(cash.unsigned_abs(), BASE_PRECISION, size, rounding)?;
    let opposite = 1 - side_of(base);
    let insurance_on_opposite = if opposite == LONG {
        header.insurance.base_lots.max(0)
    } else {
        header.insurance.base_lots.min(0).checked_neg().ok_or(PerpError::MathOverflow)?
    };
    let seats_lots = header.open_interest_lots.safe_sub(cast(insurance_on_opposite)?)?;
    let adl = &mut header.adl[opposite];
    let side_lots = seats_lots.saturating_sub(adl.pending_close_lots);
    let closed_lots = lots.min(side_lots);
    let mut out = BankruptClose {
        base_lots: base,
        cash,
        price,
        realized_pnl: realized,
        insurance_position_lots: header.insurance.base_lots,
        ..BankruptClose::default()
    };
    if closed_lots == 0 || adl.seat_count == 0 {
        return Ok(out);
    }
    let seq = adl.next_seq;
    let previous = adl.events[slot(seq)?];
    if seq >= ADL_RING as u64 && previous.pending_seats > 0 {
        return Err(PerpError::AdlBacklog);
    }
    adl.events[slot(seq)?] = AdlEvent {
        seq,
        side_lots,
        keep_lots: side_lots.safe_sub(closed_lots)?,
        price,
        funding_long: header.cumulative_funding_long,
        funding_short: header.cumulative_funding_short,
        applied_lots: 0,
        pending_seats: adl.seat_count,
        _padding: 0,
    };
    adl.next_seq = seq.safe_add(1)?;
    adl.pending_close_lots = adl.pending_close_lots.safe_add(closed_lots)?;
    out.side_lots = side_lots;
    out.closed_lots = closed_lots;
    out.event_seq = Some(seq);
    Ok(out)
}

#[cfg(test)]
mod tests;
