//! Auto-deleveraging state kept in the market account (DESIGN.md, "The loss waterfall, exactly",
//! step 3): per side, the ADL events its seats have yet to apply, and the insurance fund's
//! position in the market, the counterparty of every ADL close.
//!
//! A bankrupt account's position moves to the insurance position at its bankruptcy price, and an
//! event on the opposite side records the fraction every position there gives up
//! (`keep_lots / side_lots`), the price and the funding indices of that moment. Each seat applies
//! the events of its side lazily, in order, on its next touch: it settles funding up to the
//! event on its size then, and closes its share (rounded toward zero) at the event's price
//! against the insurance position. Every lot and token moves between a seat and the insurance
//! position when the seat applies, so long base == short base and the cash on the books hold
//! exactly at every moment; the lots that rounding leaves behind stay with the insurance position
//! (at most one per seat and event).

use crate::error::{PerpError, PerpResult};

/// Events per side kept for seats that have not applied them. A new event needs the slot of the
/// one `ADL_RING` before it to be fully applied (`AdlBacklog` until then: settle those seats).
pub const ADL_RING: usize = 4;

/// The long side's index in `MarketHeader::adl`; shorts are 1.
pub const LONG: usize = 0;
pub const SHORT: usize = 1;

/// One ADL event on one side.
#[anchor_lang::zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct AdlEvent {
    pub seq: u64,
    /// The side's seats' lots when the event happened, and the lots they keep: each position on
    /// the side keeps `keep_lots / side_lots` of itself, rounded toward zero.
    pub side_lots: u64,
    pub keep_lots: u64,
    /// The bankruptcy price (1e6) the closed lots move at, rounded against the side.
    pub price: u64,
    /// The market's funding indices at the event: seats settle funding on their size before the
    /// event up to these.
    pub funding_long: i64,
    pub funding_short: i64,
    /// Lots the seats that applied it have closed so far.
    pub applied_lots: u64,
    /// Seats on the side that have not applied it yet.
    pub pending_seats: u32,
    pub _padding: u32,
}

const _: () = assert!(core::mem::size_of::<AdlEvent>() == 64);

/// One side's ADL bookkeeping.
#[anchor_lang::zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct AdlSide {
    /// Sequence number of the next event. A seat whose `adl_seq` equals it has nothing pending.
    pub next_seq: u64,
    /// Lots the live events will still take from the side's seats (what they planned to close
    /// and have not closed yet): the side's effective size is its seats' lots less this.
    pub pending_close_lots: u64,
    /// Seats holding a position on this side.
    pub seat_count: u32,
    pub _padding: u32,
    pub events: [AdlEvent; ADL_RING],
}

const _: () = assert!(core::mem::size_of::<AdlSide>() == 24 + 64 * ADL_RING);

impl AdlSide {
    /// The event `seq` (it must still be in the ring).
    pub fn event(&self, seq: u64) -> PerpResult<&AdlEvent> {
        let event = &self.events[ring_slot(seq)?];
        if event.seq != seq {
            return Err(PerpError::AdlBacklog);
        }
        Ok(event)
    }

    pub fn event_mut(&mut self, seq: u64) -> PerpResult<&mut AdlEvent> {
        let event = &mut self.events[ring_slot(seq)?];
        if event.seq != seq {
            return Err(PerpError::AdlBacklog);
        }
        Ok(event)
    }
}

fn ring_slot(seq: u64) -> PerpResult<usize> {
    usize::try_from(seq % ADL_RING as u64).map_err(|_| PerpError::CastOverflow)
}

/// The insurance fund's position in a market: what it took over from bankrupt accounts and has
/// not yet handed to the opposite side's seats, plus the lots rounding left it. Its realized PnL
/// and funding wait in `unsettled_quote` until a bankruptcy resolution sweeps them into the fund.
#[anchor_lang::zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct InsurancePosition {
    /// Lots (> 0 long) and signed cost basis, as a seat's.
    pub base_lots: i64,
    pub quote_entry: i64,
    pub unsettled_quote: i64,
    /// The funding indices at its last settlement.
    pub last_funding_long: i64,
    pub last_funding_short: i64,
    /// Cumulative realized PnL, for views.
    pub realized_pnl: i64,
}

/// The side (`LONG` or `SHORT`) of a position of `base_lots` (non-zero).
pub fn side_of(base_lots: i64) -> usize {
    if base_lots > 0 {
        LONG
    } else {
        SHORT
    }
}
