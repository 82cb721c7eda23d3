//! The market account: one zero-copy account per market holding a header (parameters, oracle
//! config, cached oracle price, totals), the two book sides and a seat per active trader.
//!
//! Layout after Anchor's 8-byte discriminator:
//! `MarketHeader | bids: [OrderNode; order_capacity] | asks: [OrderNode; order_capacity] | seats: [Seat; seat_capacity]`.
//! The client sizes the account with [`market_account_size`] and creates it with the system
//! program; `create_market` takes it as `#[account(zero)]`.
use anchor_lang::prelude::*;
use bytemuck::Zeroable;

use crate::error::{PerpError, PerpResult};
use crate::math::margin::MarginBrackets;
use crate::state::adl::{AdlSide, InsurancePosition};
use crate::state::book::{BookSide, BookSideHeader, BookSideMut, OrderNode, Side, NIL};

/// Most seats a market may have (a 4,096-seat, 1,024-order market is about 1.1 MB).
pub const MAX_SEATS: u32 = 16_384;
/// Open orders one trader may have in one market.
pub const MAX_ORDERS_PER_SEAT: usize = 32;
/// Bit of a seat's order slot that marks an ask (the rest is the node index).
pub const ASK_BIT: u32 = 1 << 31;
/// The market account layout this program reads and writes (`MarketHeader::layout_version`).
/// Later fields come out of the header's and seats' reserved words, so a new field does not move
/// the book or the seats and needs no migration; a layout that does gets a new version.
pub const MARKET_LAYOUT_VERSION: u8 = 1;
/// Reserved 8-byte words at the end of the header and of each seat.
pub const HEADER_RESERVED_WORDS: usize = 16;
pub const SEAT_RESERVED_WORDS: usize = 3;

/// Market status, stored as `u8`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, AnchorSerialize, AnchorDeserialize)]
#[borsh(use_discriminant = true)]
pub enum MarketStatus {
    /// Everything allowed.
    Active = 0,
    /// Only orders that reduce a position (and cancels, liquidation, funding).
    ReduceOnly = 1,
}

impl TryFrom<u8> for MarketStatus {
    type Error = PerpError;
    fn try_from(value: u8) -> PerpResult<Self> {
        match value {
            0 => Ok(Self::Active),
            1 => Ok(Self::ReduceOnly),
            _ => Err(PerpError::InvalidMarketStatus),
        }
    }
}

/// Where a market's price comes from, stored as `u8`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, AnchorSerialize, AnchorDeserialize, InitSpace)]
#[borsh(use_discriminant = true)]
pub enum OracleKind {
    /// A `PushOracle` account of this program, updated by its authority (the keeper).
    Push = 0,
    /// A Pyth `PriceUpdateV2` account (pull oracle); `MarketHeader::oracle` holds the feed id.
    Pyth = 1,
}

impl TryFrom<u8> for OracleKind {
    type Error = PerpError;
    fn try_from(value: u8) -> PerpResult<Self> {
        match value {
            0 => Ok(Self::Push),
            1 => Ok(Self::Pyth),
            _ => Err(PerpError::InvalidOracleKind),
        }
    }
}

/// The header of a market account.
#[account(zero_copy)]
pub struct MarketHeader {
    pub symbol: [u8; 16],
    /// Push oracle: the `PushOracle` account's address. Pyth: the 32-byte feed id.
    pub oracle: Pubkey,
    pub brackets: MarginBrackets,
    pub bids: BookSideHeader,
    pub asks: BookSideHeader,
    /// Price step, quote per base at 1e6.
    pub tick_size: u64,
    /// Size step, base at 1e9.
    pub lot_size: u64,
    /// Smallest order notional, token units.
    pub min_order_notional: u64,
    /// Most long lots (= short lots) the market may hold.
    pub max_open_interest_lots: u64,
    /// What claiming a seat moves from collateral into the seat, token units.
    pub seat_deposit: u64,
    /// Last validated oracle price (1e6) and its publish time.
    pub oracle_price: u64,
    pub oracle_publish_time: i64,
    /// Id of the next order placed.
    pub next_order_seq: u64,
    /// Long lots held (equal to short lots held).
    pub open_interest_lots: u64,
    /// Sum over seats of `unsettled_quote`.
    pub sum_unsettled_quote: i64,
    /// Sum over seats of `quote_entry`.
    pub sum_quote_entry: i64,
    /// Sum over seats of `seat_deposit`.
    pub sum_seat_deposits: u64,
    /// Funding settled by seats (> 0 paid in) not yet matched by their counterparties'
    /// settlement, less the rounding dust already moved to the insurance fund. Part of money
    /// rule 1; zero when every seat has settled to the current indices.
    pub funding_settled_net: i64,
    /// Cumulative funding per lot, token units: what a long lot has paid, what a short lot has
    /// received (> 0 when longs pay).
    pub cumulative_funding_long: i64,
    pub cumulative_funding_short: i64,
    /// Start of the current funding interval (UTC-aligned).
    pub funding_interval_start: i64,
    /// Time of the last premium sample (the market's creation before the first).
    pub funding_last_sample_time: i64,
    /// The premium (1e9) the book showed at the last sample: it accrues, weighted by time, until
    /// the next sample (a time-weighted average of the book as it rested, not as it was when a
    /// sample was taken).
    pub funding_last_premium: i64,
    /// Sum of premium (1e9) x seconds, and the seconds sampled, in the current interval.
    pub funding_premium_time_sum: i64,
    pub funding_sampled_secs: i64,
    /// The last applied rate (1e9) and when.
    pub last_funding_rate: i64,
    pub last_funding_time: i64,
    /// Interest per 8 hours (1e9) and the cap on |rate| per interval (1e9).
    pub funding_interest_8h: i64,
    pub funding_cap: i64,
    /// Notional the impact prices are computed for, token units.
    pub funding_impact_notional: u64,
    pub price_band_ppm: u32,
    pub fill_band_ppm: u32,
    pub taker_fee_ppm: u32,
    pub maker_fee_ppm: u32,
    pub fee_insurance_share_ppm: u32,
    pub liquidation_penalty_ppm: u32,
    pub liquidation_insurance_share_ppm: u32,
    pub oracle_max_age_secs: u32,
    pub oracle_max_conf_ppm: u32,
    /// Orders per book side the account has room for.
    pub order_capacity: u32,
    /// Seats the account has room for.
    pub seat_capacity: u32,
    /// Seats in use.
    pub seat_count: u32,
    pub funding_interval_secs: u32,
    pub _padding_funding: u32,
    /// Seats `[0, seats_used)` have been handed out at least once.
    pub seats_used: u32,
    /// Head of the list of released seats (linked through `Seat::next_free`), NIL when empty.
    pub free_seat_head: u32,
    pub status: u8,
    pub oracle_kind: u8,
    /// `MARKET_LAYOUT_VERSION` of the program that created the market.
    pub layout_version: u8,
    pub _padding: [u8; 5],
    /// Liquidation takes over the least position that brings the account's equity to its
    /// maintenance requirement plus this ratio of the remaining position's notional.
    pub liquidation_buffer_ppm: u32,
    pub _padding_liquidation: u32,
    /// Most the insurance fund pays into one bankrupt account (0: no cap); a bankruptcy over
    /// several markets takes the smallest cap among them.
    pub insurance_cap_per_event: u64,
    /// ADL bookkeeping of the long side (`adl::LONG`) and of the short side.
    pub adl: [AdlSide; 2],
    /// The insurance fund's position in this market (the counterparty of ADL closes).
    pub insurance: InsurancePosition,
    /// Room for later fields (zero until then).
    pub _reserved: [u64; HEADER_RESERVED_WORDS],
}

const _: () = assert!(core::mem::size_of::<MarketHeader>() == 752 + 8 + 2 * 280 + 48);
const _: () = assert!(core::mem::align_of::<MarketHeader>() <= 8);

/// One trader's state in one market.
#[anchor_lang::zero_copy]
#[derive(Debug, PartialEq, Eq)]
pub struct Seat {
    /// The trader account holding this seat; default when the seat is free.
    pub trader: Pubkey,
    /// Position in lots: > 0 long, < 0 short.
    pub base_lots: i64,
    /// Signed cost basis of the position, token units: what buying cost (negative) and selling
    /// brought (positive). Unrealized PnL = value of `base_lots` at the oracle + `quote_entry`.
    pub quote_entry: i64,
    /// Realized PnL, fees and funding not yet moved into the trader's collateral.
    pub unsettled_quote: i64,
    /// Refundable deposit paid when the seat was claimed.
    pub seat_deposit: u64,
    /// Lots resting on each side.
    pub open_bid_lots: u64,
    pub open_ask_lots: u64,
    /// Notional of the resting orders at their own prices, token units.
    pub open_bid_notional: u64,
    pub open_ask_notional: u64,
    /// Cumulative realized PnL (fees excluded), for views.
    pub realized_pnl: i64,
    /// The market's funding indices at this seat's last funding settlement.
    pub last_funding_long: i64,
    pub last_funding_short: i64,
    /// Cumulative funding paid (> 0) or received (< 0), for views.
    pub funding_paid: i64,
    /// Resting orders: node index, `ASK_BIT` set for asks; `NIL` when the slot is free.
    pub orders: [u32; MAX_ORDERS_PER_SEAT],
    pub order_count: u32,
    /// Next free seat when this one is free.
    pub next_free: u32,
    /// The next ADL event of its side this seat has to apply (see `state::adl`).
    pub adl_seq: u64,
    /// Room for later fields (zero until then).
    pub _reserved: [u64; SEAT_RESERVED_WORDS],
}

const _: () = assert!(core::mem::size_of::<Seat>() == 296);
const _: () = assert!(core::mem::align_of::<Seat>() <= 8);

impl Seat {
    pub fn is_free(&self) -> bool {
        self.trader == Pubkey::default()
    }

    /// No position, no orders, nothing unsettled: the seat may be released.
    pub fn is_releasable(&self) -> bool {
        self.base_lots == 0 && self.quote_entry == 0 && self.order_count == 0 && self.unsettled_quote == 0
    }
}

/// Bytes of a market account with these capacities (discriminator included).
pub fn market_account_size(order_capacity: u32, seat_capacity: u32) -> Option<usize> {
    let orders = core::mem::size_of::<OrderNode>().checked_mul(order_capacity as usize)?.checked_mul(2)?;
    let seats = core::mem::size_of::<Seat>().checked_mul(seat_capacity as usize)?;
    8usize.checked_add(core::mem::size_of::<MarketHeader>())?.checked_add(orders)?.checked_add(seats)
}

/// A market account's data split into its parts.
pub struct MarketView<'a> {
    pub header: &'a mut MarketHeader,
    pub bids: &'a mut [OrderNode],
    pub asks: &'a mut [OrderNode],
    pub seats: &'a mut [Seat],
}

impl<'a> MarketView<'a> {
    /// Splits account data (discriminator included); the capacities in the header must match
    /// the data's length.
    pub fn from_account_data(data: &'a mut [u8]) -> PerpResult<Self> {
        let body = data.get_mut(8..).ok_or(PerpError::WrongMarketAccountSize)?;
        let header_len = core::mem::size_of::<MarketHeader>();
        if body.len() < header_len {
            return Err(PerpError::WrongMarketAccountSize);
        }
        let (header_bytes, rest) = body.split_at_mut(header_len);
        let header: &mut MarketHeader =
            bytemuck::try_from_bytes_mut(header_bytes).map_err(|_| PerpError::WrongMarketAccountSize)?;
        if header.layout_version != MARKET_LAYOUT_VERSION {
            return Err(PerpError::UnsupportedMarketLayout);
        }
        Self::split(header, rest)
    }

    /// Splits the part after the header according to the header's capacities.
    pub fn split(header: &'a mut MarketHeader, rest: &'a mut [u8]) -> PerpResult<Self> {
        let order_bytes = core::mem::size_of::<OrderNode>() * header.order_capacity as usize;
        let seat_bytes = core::mem::size_of::<Seat>() * header.seat_capacity as usize;
        if rest.len() != order_bytes * 2 + seat_bytes {
            return Err(PerpError::WrongMarketAccountSize);
        }
        let (bid_bytes, rest) = rest.split_at_mut(order_bytes);
        let (ask_bytes, seat_bytes) = rest.split_at_mut(order_bytes);
        let cast = |e| -> PerpError {
            let _: bytemuck::PodCastError = e;
            PerpError::WrongMarketAccountSize
        };
        Ok(Self {
            header,
            bids: bytemuck::try_cast_slice_mut(bid_bytes).map_err(cast)?,
            asks: bytemuck::try_cast_slice_mut(ask_bytes).map_err(cast)?,
            seats: bytemuck::try_cast_slice_mut(seat_bytes).map_err(cast)?,
        })
    }

    pub fn book(&self, side: Side) -> BookSide<'_> {
        match side {
            Side::Bid => BookSide { side, header: &self.header.bids, nodes: self.bids },
            Side::Ask => BookSide { side, header: &self.header.asks, nodes: self.asks },
        }
    }

    pub fn book_mut(&mut self, side: Side) -> BookSideMut<'_> {
        match side {
            Side::Bid => BookSideMut { side, header: &mut self.header.bids, nodes: self.bids },
            Side::Ask => BookSideMut { side, header: &mut self.header.asks, nodes: self.asks },
        }
    }

    pub fn seat(&self, index: u32) -> PerpResult<&Seat> {
        self.seats.get(index as usize).filter(|s| !s.is_free()).ok_or(PerpError::NoSeat)
    }

    pub fn seat_mut(&mut self, index: u32) -> PerpResult<&mut Seat> {
        self.seats.get_mut(index as usize).filter(|s| !s.is_free()).ok_or(PerpError::NoSeat)
    }

    /// Takes a free seat for `trader` (released seats first, then never-used ones).
    pub fn claim_seat(&mut self, trader: Pubkey, deposit: u64) -> PerpResult<u32> {
        let index = if self.header.free_seat_head != NIL {
            self.header.free_seat_head
        } else if self.header.seats_used < self.header.seat_capacity {
            self.header.seats_used
        } else {
            return Err(PerpError::SeatTableFull);
        };
        let seat = self.seats.get_mut(index as usize).ok_or(PerpError::SeatTableFull)?;
        if index == self.header.free_seat_head {
            self.header.free_seat_head = seat.next_free;
        } else {
            self.header.seats_used += 1;
        }
        *seat = Seat::zeroed();
        seat.trader = trader;
        seat.seat_deposit = deposit;
        seat.last_funding_long = self.header.cumulative_funding_long;
        seat.last_funding_short = self.header.cumulative_funding_short;
        seat.orders = [NIL; MAX_ORDERS_PER_SEAT];
        seat.next_free = NIL;
        self.header.seat_count = self.header.seat_count.checked_add(1).ok_or(PerpError::MathOverflow)?;
        self.header.sum_seat_deposits =
            self.header.sum_seat_deposits.checked_add(deposit).ok_or(PerpError::MathOverflow)?;
        Ok(index)
    }

    /// Frees a releasable seat; returns its deposit (to go back to the trader's collateral).
    pub fn release_seat(&mut self, index: u32) -> PerpResult<u64> {
        let free_head = self.header.free_seat_head;
        let seat = self.seat_mut(index)?;
        if !seat.is_releasable() {
            return Err(PerpError::TraderHasPositions);
        }
        let deposit = seat.seat_deposit;
        *seat = Seat::zeroed();
        seat.next_free = free_head;
        self.header.free_seat_head = index;
        self.header.seat_count = self.header.seat_count.checked_sub(1).ok_or(PerpError::MathOverflow)?;
        self.header.sum_seat_deposits =
            self.header.sum_seat_deposits.checked_sub(deposit).ok_or(PerpError::MathOverflow)?;
        Ok(deposit)
    }
}

#[cfg(test)]
mod tests;
