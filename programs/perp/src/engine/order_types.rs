//! The order types of the engine and of `place_order`'s instruction data: sides, types, the
//! order's parameters, and what placing one did (fills, cancels, the outcome).
use anchor_lang::prelude::*;

use crate::engine::adl::AdlApplied;
use crate::state::book::Side;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderSide {
    Buy,
    Sell,
}

impl OrderSide {
    /// The book side an order of this side rests on.
    pub fn book_side(self) -> Side {
        match self {
            OrderSide::Buy => Side::Bid,
            OrderSide::Sell => Side::Ask,
        }
    }

    /// The other side: a maker's side against a taker of this side.
    pub fn opposite(self) -> OrderSide {
        match self {
            OrderSide::Buy => OrderSide::Sell,
            OrderSide::Sell => OrderSide::Buy,
        }
    }

    /// +1 for buys, -1 for sells.
    pub fn sign(self) -> i64 {
        match self {
            OrderSide::Buy => 1,
            OrderSide::Sell => -1,
        }
    }
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderType {
    /// Takes what crosses, rests the rest.
    Limit,
    /// Rejected if it would take; otherwise rests.
    PostOnly,
    /// Takes what crosses, cancels the rest.
    ImmediateOrCancel,
    /// Takes up to `price` (the worst acceptable price), cancels the rest.
    Market,
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct OrderParams {
    pub side: OrderSide,
    pub order_type: OrderType,
    /// Limit price (quote per base at 1e6, on the tick); for `Market`, the worst price.
    pub price: u64,
    pub base_lots: u64,
    pub reduce_only: bool,
    pub client_order_id: u64,
}

/// Why a resting order left the book without filling.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CancelReason {
    /// Its owner cancelled it.
    User,
    /// It was priced outside the fill band when a taker reached it.
    OutsideFillBand,
    /// Its owner's own taker order reached it (self-trade prevention cancels the resting order).
    SelfTrade,
    /// A better order took its place on a full book side.
    Evicted,
    /// Reduce-only and its owner's position can no longer be reduced by it.
    ReduceOnly,
    /// Liquidation cleared the account's orders.
    Liquidation,
    /// A partial fill left less than the market's minimum order notional resting (a reduce-only
    /// order closing its seat's whole position excepted).
    Remnant,
}

/// One fill, with both sides' figures (token units).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FillRecord {
    pub maker_seat: u32,
    pub maker_trader: Pubkey,
    pub maker_order_seq: u64,
    pub maker_client_order_id: u64,
    pub price: u64,
    pub base_lots: u64,
    pub maker_fee: u64,
    pub taker_fee: u64,
    pub maker_realized_pnl: i64,
    pub taker_realized_pnl: i64,
    /// Funding the maker's seat settled before the fill changed its position (> 0: paid).
    pub maker_funding_paid: i64,
}

/// A resting order that left the book without filling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CancelRecord {
    pub seat: u32,
    pub trader: Pubkey,
    pub order_seq: u64,
    pub client_order_id: u64,
    pub side: OrderSide,
    pub price: u64,
    pub base_lots: u64,
    pub reason: CancelReason,
}

/// What placing an order did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlaceOutcome {
    pub order_seq: u64,
    pub filled_lots: u64,
    pub fills: Vec<FillRecord>,
    pub cancels: Vec<CancelRecord>,
    /// Lots left resting on the book.
    pub rested_lots: u64,
    /// Fees charged (maker + taker), split between the fee pool and the insurance fund.
    pub fees_to_pool: u64,
    pub fees_to_insurance: u64,
    /// Makers that applied pending ADL events before their fill: seat, trader, what it did.
    pub maker_adl: Vec<(u32, Pubkey, AdlApplied)>,
}
