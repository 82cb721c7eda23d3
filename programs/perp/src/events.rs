//! Events: every state change that moves value or permissions emits one, with the figures.
use anchor_lang::prelude::*;

use crate::engine::orders::{CancelReason, OrderSide, OrderType};
use crate::state::ExchangeParams;

#[event]
#[derive(Debug)]
pub struct ExchangeInitialized {
    pub admin: Pubkey,
    pub collateral_mint: Pubkey,
    pub vault: Pubkey,
    pub insurance_vault: Pubkey,
    pub params: ExchangeParams,
}

#[event]
#[derive(Debug)]
pub struct ExchangeParamsSet {
    pub params: ExchangeParams,
}

#[event]
#[derive(Debug)]
pub struct PauseFlagsSet {
    pub old_flags: u8,
    pub new_flags: u8,
}

#[event]
#[derive(Debug)]
pub struct AdminProposed {
    pub admin: Pubkey,
    pub proposed: Pubkey,
}

#[event]
#[derive(Debug)]
pub struct AdminAccepted {
    pub old_admin: Pubkey,
    pub new_admin: Pubkey,
}

#[event]
#[derive(Debug)]
pub struct TraderOpened {
    pub trader: Pubkey,
    pub owner: Pubkey,
    pub sub_account_id: u16,
}

#[event]
#[derive(Debug)]
pub struct TraderClosed {
    pub trader: Pubkey,
    pub owner: Pubkey,
    pub rent_receiver: Pubkey,
}

/// Collateral moved in (`amount` > 0) or out; `collateral_after` is the trader's collateral after it.
#[event]
#[derive(Debug)]
pub struct CollateralDeposited {
    pub trader: Pubkey,
    pub amount: u64,
    pub collateral_after: u64,
}

#[event]
#[derive(Debug)]
pub struct CollateralWithdrawn {
    pub trader: Pubkey,
    pub amount: u64,
    pub collateral_after: u64,
}

#[event]
#[derive(Debug)]
pub struct InsuranceDeposited {
    pub depositor: Pubkey,
    pub amount: u64,
    pub insurance_fund_after: u64,
}

#[event]
#[derive(Debug)]
pub struct MarketCreated {
    pub market: Pubkey,
    pub symbol: [u8; 16],
    pub tick_size: u64,
    pub lot_size: u64,
    pub order_capacity: u32,
    pub seat_capacity: u32,
}

#[event]
#[derive(Debug)]
pub struct MarketUpdated {
    pub market: Pubkey,
    pub status: u8,
}

#[event]
#[derive(Debug)]
pub struct PushOracleUpdated {
    pub oracle: Pubkey,
    pub price: i64,
    pub conf: u64,
    pub exponent: i32,
    pub publish_time: i64,
}

/// A market's oracle was read, validated and cached (price at 1e6).
#[event]
#[derive(Debug)]
pub struct OraclePriceCached {
    pub market: Pubkey,
    pub price: u64,
    pub publish_time: i64,
}

#[event]
#[derive(Debug)]
pub struct OrderPlaced {
    pub market: Pubkey,
    pub trader: Pubkey,
    pub order_seq: u64,
    pub client_order_id: u64,
    pub side: OrderSide,
    pub order_type: OrderType,
    pub price: u64,
    pub base_lots: u64,
    pub filled_lots: u64,
    pub rested_lots: u64,
    pub reduce_only: bool,
}

/// One fill; fees and realized PnL in token units (fees already charged to each side).
#[event]
#[derive(Debug)]
pub struct OrderFilled {
    pub market: Pubkey,
    pub maker: Pubkey,
    pub taker: Pubkey,
    pub taker_side: OrderSide,
    pub price: u64,
    pub base_lots: u64,
    pub base: u64,
    pub maker_fee: u64,
    pub taker_fee: u64,
    pub maker_realized_pnl: i64,
    pub taker_realized_pnl: i64,
    pub maker_order_seq: u64,
    pub maker_client_order_id: u64,
}

#[event]
#[derive(Debug)]
pub struct OrderCancelled {
    pub market: Pubkey,
    pub trader: Pubkey,
    pub order_seq: u64,
    pub client_order_id: u64,
    pub side: OrderSide,
    pub price: u64,
    pub base_lots: u64,
    pub reason: CancelReason,
}

#[event]
#[derive(Debug)]
pub struct SeatClaimed {
    pub market: Pubkey,
    pub trader: Pubkey,
    pub seat: u32,
    pub deposit: u64,
}

#[event]
#[derive(Debug)]
pub struct SeatReleased {
    pub market: Pubkey,
    pub trader: Pubkey,
    pub seat: u32,
    pub deposit: u64,
}

/// A seat's unsettled quote moved into (> 0) or out of (< 0) the trader's collateral.
#[event]
#[derive(Debug)]
pub struct SeatSettled {
    pub market: Pubkey,
    pub trader: Pubkey,
    pub seat: u32,
    pub amount: i64,
}

/// Trading fees that went to the insurance fund.
#[event]
#[derive(Debug)]
pub struct FeesToInsurance {
    pub market: Pubkey,
    pub amount: u64,
    pub insurance_fund_after: u64,
}

/// A seat settled its funding against the market's indices (> 0: it paid).
#[event]
#[derive(Debug)]
pub struct FundingSettled {
    pub market: Pubkey,
    pub trader: Pubkey,
    pub seat: u32,
    pub amount: i64,
}

/// A premium sample: `accrued_premium` (the last sample's) counted for `sample_secs`; the book's
/// impact prices over the oracle now give `premium`, which accrues from now on.
#[event]
#[derive(Debug)]
pub struct FundingSampled {
    pub market: Pubkey,
    pub sample_secs: i64,
    pub accrued_premium: i64,
    pub premium: i64,
    pub impact_bid: u64,
    pub impact_ask: u64,
    pub oracle_price: u64,
}

/// An interval ended: its capped rate moved the indices; the rounding dust went to the insurance
/// fund. `skipped_intervals` boundaries passed unapplied during an outage (charged nothing).
#[event]
#[derive(Debug)]
pub struct FundingApplied {
    pub market: Pubkey,
    pub interval_start: i64,
    pub skipped_intervals: i64,
    pub average_premium: i64,
    pub rate: i64,
    pub oracle_price: u64,
    pub long_index_delta: i64,
    pub short_index_delta: i64,
    pub cumulative_funding_long: i64,
    pub cumulative_funding_short: i64,
    pub open_interest_lots: u64,
    pub dust_to_insurance: u64,
}

/// A liquidation: the liquidator took `base_lots` of the liquidated account's position over at
/// `transfer_price` (the oracle less, for a long, or plus, for a short, the liquidator's part of
/// the penalty); the penalty is capped by the account's equity.
#[event]
#[derive(Debug)]
pub struct Liquidated {
    pub market: Pubkey,
    pub liquidated: Pubkey,
    pub liquidator: Pubkey,
    /// The liquidated position before, lots (> 0 long).
    pub position_lots_before: i64,
    /// Lots and base (1e9) taken over.
    pub base_lots: u64,
    pub base: u64,
    pub oracle_price: u64,
    pub transfer_price: u64,
    /// Notional taken over at the oracle, token units.
    pub notional: u64,
    pub penalty: u64,
    pub penalty_to_liquidator: u64,
    pub penalty_to_insurance: u64,
    /// PnL the liquidated account realized on the lots taken over (at the oracle).
    pub realized_pnl: i64,
    pub equity_before: i64,
    pub maintenance_before: u64,
    pub equity_after: i64,
    pub maintenance_after: u64,
    pub insurance_fund_after: u64,
}

/// A seat applied pending ADL events of its side: it settled funding up to each event on its
/// size then, and closed `base_lots` at the events' bankruptcy prices against the insurance
/// position (the last event's price in `price`).
#[event]
#[derive(Debug)]
pub struct AdlApplied {
    pub market: Pubkey,
    pub trader: Pubkey,
    pub seat: u32,
    pub events: u32,
    pub last_event_seq: u64,
    pub base_lots: u64,
    /// Cash the closed lots moved at (> 0: received) and the PnL realized on them.
    pub cash: i64,
    pub price: u64,
    pub realized_pnl: i64,
    /// Funding settled up to the events (> 0: paid), and the funding the insurance position
    /// handed back for the closed lots since their events (> 0: the insurance position paid).
    pub funding_paid: i64,
    pub insurance_funding_refund: i64,
    /// The seat's position afterwards.
    pub position_lots_after: i64,
}

/// A bankrupt account's position closed at its bankruptcy price into the insurance position,
/// and the ADL event that makes the whole opposite side give up `closed_lots / side_lots` of
/// every position at that price.
#[event]
#[derive(Debug)]
pub struct AdlEventRecorded {
    pub market: Pubkey,
    pub bankrupt: Pubkey,
    /// The bankrupt position (lots, > 0 long) and the share of the uncovered deficit it bore.
    pub position_lots: i64,
    pub deficit_share: u64,
    pub bankruptcy_price: u64,
    /// The cash the position closed for (> 0: received) and the PnL the bankrupt realized.
    pub cash: i64,
    pub realized_pnl: i64,
    /// The opposite side's effective lots and the lots it gives up (the fraction f).
    pub side_lots: u64,
    pub closed_lots: u64,
    /// The event's sequence number on the opposite side; none when that side has no seats (the
    /// insurance position keeps the lots).
    pub event_seq: Option<u64>,
    /// The insurance position afterwards (lots, > 0 long).
    pub insurance_position_lots: i64,
}

/// A bankruptcy resolved: the deficit, what the insurance fund paid in, and what ADL bore.
#[event]
#[derive(Debug)]
pub struct BankruptcyResolved {
    pub trader: Pubkey,
    pub deficit: u64,
    pub insurance_paid: u64,
    pub uncovered: u64,
    /// The insurance positions' results swept into (> 0) or out of the fund first.
    pub insurance_swept: i64,
    /// What no position could bear after the fund and ADL (the waterfall's last step): paid by
    /// the fee pool first, the rest socialized over every account's collateral (the loss index
    /// rose to `loss_index_after`); `unplaced`: beyond both, left on the account.
    pub written_off: u64,
    pub fee_pool_paid: u64,
    pub socialized: u64,
    pub unplaced: u64,
    pub loss_index_after: u64,
    pub equity_after: i64,
    pub insurance_fund_after: u64,
}

/// A market's insurance position's results swept: gains into the insurance fund (`to_fund` > 0)
/// or a loss out of it (< 0). The part of a loss the fund could not pay (its position holds the
/// lots ADL rounding left, which later events can close at a loss) is placed by the waterfall's
/// last step: the fee pool first, then every account's collateral pro rata; `unplaced` stays on
/// the insurance position.
#[event]
#[derive(Debug)]
pub struct InsurancePositionSwept {
    pub market: Pubkey,
    pub to_fund: i64,
    pub fee_pool_paid: u64,
    pub socialized: u64,
    pub unplaced: u64,
    pub loss_index_after: u64,
    pub insurance_fund_after: u64,
}

/// A trader account paid its share of socialized losses (charged on its first touch after them).
#[event]
#[derive(Debug)]
pub struct SocializedLossCharged {
    pub trader: Pubkey,
    pub amount: u64,
    pub collateral_after: u64,
    pub loss_index: u64,
}

// Events built from the engine's records, in one place: handlers emit, they do not assemble.

impl OrderFilled {
    /// A fill of `taker` (an order of `taker_side`) in `market`, lots of `lot_size`.
    pub fn from_record(
        market: Pubkey,
        taker: Pubkey,
        taker_side: OrderSide,
        lot_size: u64,
        fill: &crate::engine::orders::FillRecord,
    ) -> crate::error::PerpResult<Self> {
        use crate::math::SafeMath;
        Ok(Self {
            market,
            maker: fill.maker_trader,
            taker,
            taker_side,
            price: fill.price,
            base_lots: fill.base_lots,
            base: fill.base_lots.safe_mul(lot_size)?,
            maker_fee: fill.maker_fee,
            taker_fee: fill.taker_fee,
            maker_realized_pnl: fill.maker_realized_pnl,
            taker_realized_pnl: fill.taker_realized_pnl,
            maker_order_seq: fill.maker_order_seq,
            maker_client_order_id: fill.maker_client_order_id,
        })
    }
}

impl OrderCancelled {
    pub fn from_record(market: Pubkey, c: &crate::engine::orders::CancelRecord) -> Self {
        Self {
            market,
            trader: c.trader,
            order_seq: c.order_seq,
            client_order_id: c.client_order_id,
            side: c.side,
            price: c.price,
            base_lots: c.base_lots,
            reason: c.reason,
        }
    }
}

impl FundingSampled {
    pub fn from_update(market: Pubkey, update: &crate::engine::funding::FundingUpdate, oracle_price: u64) -> Self {
        Self {
            market,
            sample_secs: update.sample_secs,
            accrued_premium: update.accrued_premium,
            premium: update.premium,
            impact_bid: update.impact_bid,
            impact_ask: update.impact_ask,
            oracle_price,
        }
    }
}

impl FundingApplied {
    /// An interval applied in `market`, whose header now holds the cumulative indices.
    pub fn from_applied(
        market: Pubkey,
        applied: &crate::engine::funding::AppliedFunding,
        header: &crate::state::MarketHeader,
    ) -> Self {
        Self {
            market,
            interval_start: applied.interval_start,
            skipped_intervals: applied.skipped_intervals,
            average_premium: applied.average_premium,
            rate: applied.rate,
            oracle_price: applied.oracle_price,
            long_index_delta: applied.long_index_delta,
            short_index_delta: applied.short_index_delta,
            cumulative_funding_long: header.cumulative_funding_long,
            cumulative_funding_short: header.cumulative_funding_short,
            open_interest_lots: applied.open_interest_lots,
            dust_to_insurance: applied.dust,
        }
    }
}

impl AdlApplied {
    pub fn from_applied(market: Pubkey, trader: Pubkey, seat: u32, applied: &crate::engine::adl::AdlApplied) -> Self {
        Self {
            market,
            trader,
            seat,
            events: applied.events,
            last_event_seq: applied.last_seq,
            base_lots: applied.lots,
            cash: applied.cash,
            price: applied.price,
            realized_pnl: applied.realized_pnl,
            funding_paid: applied.funding_paid,
            insurance_funding_refund: applied.insurance_refund,
            position_lots_after: applied.base_lots,
        }
    }
}

impl Liquidated {
    /// `liquidator` took over part of `liquidated`'s position in `market`; the fund holds
    /// `insurance_fund_after` afterwards.
    pub fn from_outcome(
        market: Pubkey,
        liquidated: Pubkey,
        liquidator: Pubkey,
        out: &crate::engine::liquidation::LiquidationOutcome,
        insurance_fund_after: u64,
    ) -> Self {
        Self {
            market,
            liquidated,
            liquidator,
            position_lots_before: out.position_lots_before,
            base_lots: out.lots,
            base: out.base,
            oracle_price: out.oracle_price,
            transfer_price: out.transfer_price,
            notional: out.notional,
            penalty: out.penalty.total,
            penalty_to_liquidator: out.penalty.to_liquidator,
            penalty_to_insurance: out.penalty.to_insurance,
            realized_pnl: out.liquidated_realized_pnl,
            equity_before: out.equity_before,
            maintenance_before: out.maintenance_before,
            equity_after: out.equity_after,
            maintenance_after: out.maintenance_after,
            insurance_fund_after,
        }
    }
}

impl OrderPlaced {
    pub fn from_outcome(
        market: Pubkey,
        trader: Pubkey,
        params: &crate::engine::orders::OrderParams,
        out: &crate::engine::orders::PlaceOutcome,
    ) -> Self {
        Self {
            market,
            trader,
            order_seq: out.order_seq,
            client_order_id: params.client_order_id,
            side: params.side,
            order_type: params.order_type,
            price: params.price,
            base_lots: params.base_lots,
            filled_lots: out.filled_lots,
            rested_lots: out.rested_lots,
            reduce_only: params.reduce_only,
        }
    }
}

impl AdlEventRecorded {
    /// The bankrupt `trader`'s position in one market closed into ADL.
    pub fn from_resolution(trader: Pubkey, m: &crate::engine::bankruptcy::MarketResolution) -> Self {
        Self {
            market: m.market,
            bankrupt: trader,
            position_lots: m.close.base_lots,
            deficit_share: m.deficit_share,
            bankruptcy_price: m.close.price,
            cash: m.close.cash,
            realized_pnl: m.close.realized_pnl,
            side_lots: m.close.side_lots,
            closed_lots: m.close.closed_lots,
            event_seq: m.close.event_seq,
            insurance_position_lots: m.close.insurance_position_lots,
        }
    }
}

impl BankruptcyResolved {
    pub fn from_outcome(
        trader: Pubkey,
        out: &crate::engine::bankruptcy::BankruptcyOutcome,
        ledger: &crate::state::Ledger,
    ) -> Self {
        Self {
            trader,
            deficit: out.deficit,
            insurance_paid: out.insurance_paid,
            uncovered: out.uncovered,
            insurance_swept: out.insurance_swept.net,
            written_off: out.written_off,
            fee_pool_paid: out.placement.fee_pool_paid,
            socialized: out.placement.socialized,
            unplaced: out.placement.unplaced,
            loss_index_after: ledger.loss_index,
            equity_after: out.equity_after,
            insurance_fund_after: ledger.insurance_fund,
        }
    }
}

#[cfg(test)]
mod tests;

/// A change of a market's parameters that can hurt open positions was announced: it can be
/// applied (by anyone) from `effective_at`, or cancelled by the admin before.
#[event]
#[derive(Debug)]
pub struct MarketUpdateAnnounced {
    pub market: Pubkey,
    pub update: Pubkey,
    pub status: u8,
    pub announced_at: i64,
    pub effective_at: i64,
}

/// An announced market update took effect.
#[event]
#[derive(Debug)]
pub struct MarketUpdateApplied {
    pub market: Pubkey,
    pub update: Pubkey,
    pub announced_at: i64,
    pub applied_at: i64,
}

/// The admin withdrew an announced market update.
#[event]
#[derive(Debug)]
pub struct MarketUpdateCancelled {
    pub market: Pubkey,
    pub update: Pubkey,
    pub announced_at: i64,
}
