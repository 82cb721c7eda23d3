//! A trader's account across its markets: settling seats into collateral, and the margin figures
//! (equity, maintenance, initial with open orders at their worst case, withdrawable).
use anchor_lang::prelude::Pubkey;

use crate::engine::adl::{apply_adl, effective_seat, AdlApplied};
use crate::engine::collateral::charge_socialized_loss;
use crate::engine::funding::{pending_funding, settle_seat_funding};
use crate::engine::orders::CancelRecord;
use crate::error::{PerpError, PerpResult};
use crate::math::fixed::Rounding;
use crate::math::position::{lots_value, Position};
use crate::math::safe::{cast, SafeMath};
use crate::state::market::{MarketHeader, MarketView, Seat};
use crate::state::{Ledger, Trader};

/// Moves the seat's unsettled quote into `collateral`: all of a gain; of a loss, as much as the
/// collateral holds (the rest stays unsettled and keeps counting against equity). Returns the
/// signed amount that entered the collateral.
pub fn settle_seat(collateral: &mut u64, header: &mut MarketHeader, seat: &mut Seat) -> PerpResult<i64> {
    let moved: i64 = if seat.unsettled_quote >= 0 {
        seat.unsettled_quote
    } else {
        let owed = seat.unsettled_quote.unsigned_abs();
        let taken: i64 = cast(owed.min(*collateral))?;
        taken.checked_neg().ok_or(PerpError::MathOverflow)?
    };
    if moved >= 0 {
        *collateral = collateral.safe_add(moved.unsigned_abs())?;
    } else {
        *collateral = collateral.safe_sub(moved.unsigned_abs())?;
    }
    seat.unsettled_quote = seat.unsettled_quote.safe_sub(moved)?;
    header.sum_unsettled_quote = header.sum_unsettled_quote.safe_sub(moved)?;
    Ok(moved)
}

/// One market's part of an account's margin, at the market's cached oracle price.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SeatRisk {
    pub unrealized_pnl: i64,
    /// Seat deposit + unsettled quote + unrealized PnL.
    pub equity: i64,
    /// Seat deposit + unsettled quote + unrealized losses only (profit is not margin).
    pub margin_equity: i64,
    pub seat_deposit: u64,
    pub maintenance: u64,
    /// Initial margin with every open order filled at its price (the worse side), plus what
    /// buying above or selling below the oracle would lose at once.
    pub initial: u64,
}

pub fn seat_risk(header: &MarketHeader, seat: &Seat) -> PerpResult<SeatRisk> {
    // Pending ADL counts at once (the program applies it on every touch; views read accounts as
    // they are).
    let (effective, _) = effective_seat(header, seat)?;
    let seat = &effective;
    let price = header.oracle_price;
    let lot = header.lot_size;
    let position = Position { base_lots: seat.base_lots, quote_entry: seat.quote_entry };
    let unrealized_pnl = position.unrealized_pnl(lot, price)?;
    let deposit: i64 = cast(seat.seat_deposit)?;
    // Funding owed and not yet settled counts at once (zero inside the program, which settles
    // every seat it touches first; views read accounts as they are).
    let cash = deposit.safe_add(seat.unsettled_quote)?.safe_sub(pending_funding(header, seat)?)?;
    let notional = position.notional(lot, price)?;
    let maintenance = header.brackets.maintenance_requirement(notional)?;
    let initial = if seat.open_bid_lots == 0 && seat.open_ask_lots == 0 {
        // No open orders: the position alone (the common case, and the cheap one on chain).
        header.brackets.initial_requirement(notional)?
    } else {
        initial_with_orders(header, seat)?
    };
    Ok(SeatRisk {
        unrealized_pnl,
        equity: cash.safe_add(unrealized_pnl)?,
        margin_equity: cash.safe_add(unrealized_pnl.min(0))?,
        seat_deposit: seat.seat_deposit,
        maintenance,
        initial,
    })
}

/// Initial margin with every open order of one side filled at its price, the worse side: the
/// requirement on the position the orders would leave, plus what buying above (selling below)
/// the oracle would lose at once.
fn initial_with_orders(header: &MarketHeader, seat: &Seat) -> PerpResult<u64> {
    let (price, lot) = (header.oracle_price, header.lot_size);
    let bids: i64 = cast(seat.open_bid_lots)?;
    let asks: i64 = cast(seat.open_ask_lots)?;
    let if_bids_fill = Position { base_lots: seat.base_lots.safe_add(bids)?, quote_entry: 0 };
    let if_asks_fill = Position { base_lots: seat.base_lots.safe_sub(asks)?, quote_entry: 0 };
    let bid_value: u64 = cast(lots_value(bids, lot, price, Rounding::Down)?)?;
    let ask_value: u64 = cast(lots_value(asks, lot, price, Rounding::Up)?)?;
    let bid_loss = seat.open_bid_notional.saturating_sub(bid_value);
    let ask_loss = ask_value.saturating_sub(seat.open_ask_notional);
    let initial_bids = header.brackets.initial_requirement(if_bids_fill.notional(lot, price)?)?.safe_add(bid_loss)?;
    let initial_asks = header.brackets.initial_requirement(if_asks_fill.notional(lot, price)?)?.safe_add(ask_loss)?;
    Ok(initial_bids.max(initial_asks))
}

/// An account's margin over all its markets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AccountRisk {
    pub collateral: u64,
    /// Collateral + seats' deposits and unsettled quote + unrealized PnL.
    pub equity: i64,
    /// As `equity`, counting unrealized losses but not profits.
    pub margin_equity: i64,
    pub seat_deposits: u64,
    pub maintenance: u64,
    pub initial: u64,
}

impl AccountRisk {
    pub fn new(collateral: u64) -> PerpResult<Self> {
        let c: i64 = cast(collateral)?;
        Ok(Self { collateral, equity: c, margin_equity: c, ..Self::default() })
    }

    /// This account's seats with `other`'s (seats only: `other`'s collateral is not added).
    pub fn merge_seats(&mut self, other: &AccountRisk) -> PerpResult<()> {
        self.equity = self.equity.safe_add(other.equity.safe_sub(cast(other.collateral)?)?)?;
        self.margin_equity = self.margin_equity.safe_add(other.margin_equity.safe_sub(cast(other.collateral)?)?)?;
        self.seat_deposits = self.seat_deposits.safe_add(other.seat_deposits)?;
        self.maintenance = self.maintenance.safe_add(other.maintenance)?;
        self.initial = self.initial.safe_add(other.initial)?;
        Ok(())
    }

    pub fn add(&mut self, seat: &SeatRisk) -> PerpResult<()> {
        self.equity = self.equity.safe_add(seat.equity)?;
        self.margin_equity = self.margin_equity.safe_add(seat.margin_equity)?;
        self.seat_deposits = self.seat_deposits.safe_add(seat.seat_deposit)?;
        self.maintenance = self.maintenance.safe_add(seat.maintenance)?;
        self.initial = self.initial.safe_add(seat.initial)?;
        Ok(())
    }

    pub fn below_maintenance(&self) -> PerpResult<bool> {
        Ok(self.equity < cast::<i64, u64>(self.maintenance)?)
    }

    /// Whether margin equity covers the initial requirement.
    pub fn meets_initial(&self) -> PerpResult<bool> {
        Ok(self.margin_equity >= cast::<i64, u64>(self.initial)?)
    }

    /// What may leave the account: collateral not needed for initial margin, unrealized profit
    /// and seat deposits excluded; never more than the collateral.
    pub fn withdrawable(&self) -> PerpResult<u64> {
        let deposits: i64 = cast(self.seat_deposits)?;
        let initial: i64 = cast(self.initial)?;
        let free = self.margin_equity.safe_sub(deposits)?.safe_sub(initial)?;
        Ok(cast::<u64, i64>(free.max(0))?.min(self.collateral))
    }
}

/// What settling one of a trader's seats did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettleRecord {
    pub market: Pubkey,
    pub seat: u32,
    /// ADL events the seat applied first (boxed: rare, and large), and the reduce-only orders
    /// that left trimmed.
    pub adl: Option<Box<AdlApplied>>,
    pub adl_cancels: Vec<CancelRecord>,
    /// Funding the seat settled first (> 0: paid).
    pub funding_paid: i64,
    /// Signed amount that entered the collateral.
    pub settled: i64,
    /// The seat was released and its deposit returned.
    pub released_deposit: Option<u64>,
}

/// A trader account's share of socialized losses, charged on its touch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LossCharge {
    pub amount: u64,
    pub collateral_after: u64,
    pub loss_index: u64,
}

/// What settling a trader account did: its share of socialized losses charged first, then each
/// of its seats.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Settled {
    /// Boxed: rare, and the SBF stack frame is 4 KiB.
    pub charge: Option<Box<LossCharge>>,
    pub seats: Vec<SettleRecord>,
}

impl Settled {
    /// This settlement followed by `later` (of the same account, in the same instruction). Two
    /// charges add up (a loss placed in between, by an insurance sweep, is charged by the second).
    pub fn extend(&mut self, later: Settled) {
        self.charge = match (self.charge.take(), later.charge) {
            (Some(mut first), Some(second)) => {
                // Both charges, reported as one: the amount in all, the account as it is after.
                first.amount = first.amount.saturating_add(second.amount);
                first.collateral_after = second.collateral_after;
                first.loss_index = second.loss_index;
                Some(first)
            }
            (first, second) => first.or(second),
        };
        self.seats.extend(later.seats);
    }
}

/// Charges the trader its pending share of socialized losses, settles its seat in each of
/// `markets` into its collateral (and the ledger), and releases seats that are flat, orderless
/// and settled. Every instruction that touches a trader account starts here.
pub fn settle_trader(
    trader: &mut Trader,
    trader_key: &Pubkey,
    ledger: &mut Ledger,
    markets: &mut [(Pubkey, MarketView)],
) -> PerpResult<Settled> {
    let charged = charge_socialized_loss(ledger, trader)?;
    let charge = (charged > 0).then(|| {
        Box::new(LossCharge { amount: charged, collateral_after: trader.collateral, loss_index: trader.loss_index })
    });
    let mut records = Vec::with_capacity(markets.len());
    for (key, view) in markets.iter_mut() {
        let Some(index) = trader.seat_in(key) else { continue };
        if view.seat(index)?.trader != *trader_key {
            return Err(PerpError::NoSeat);
        }
        let (adl, adl_cancels) = apply_adl(view, index)?;
        let adl = adl.map(Box::new);
        let MarketView { header, seats, .. } = view;
        let seat = seats.get_mut(index as usize).filter(|s| s.trader == *trader_key).ok_or(PerpError::NoSeat)?;
        let funding_paid = settle_seat_funding(header, seat)?;
        let settled = settle_seat(&mut trader.collateral, header, seat)?;
        ledger.total_collateral = if settled >= 0 {
            ledger.total_collateral.safe_add(settled.unsigned_abs())?
        } else {
            ledger.total_collateral.safe_sub(settled.unsigned_abs())?
        };
        // A flat, orderless seat whose loss the collateral could not pay pays it from its own
        // deposit (the trader's money), so a bankrupt account's seat is released too.
        if seat.base_lots == 0 && seat.order_count == 0 && seat.unsettled_quote < 0 {
            let taken = seat.seat_deposit.min(seat.unsettled_quote.unsigned_abs());
            let taken_signed: i64 = cast(taken)?;
            seat.seat_deposit = seat.seat_deposit.safe_sub(taken)?;
            seat.unsettled_quote = seat.unsettled_quote.safe_add(taken_signed)?;
            header.sum_seat_deposits = header.sum_seat_deposits.safe_sub(taken)?;
            header.sum_unsettled_quote = header.sum_unsettled_quote.safe_add(taken_signed)?;
        }
        let released_deposit = if seat.is_releasable() {
            let deposit = view.release_seat(index)?;
            trader.collateral = trader.collateral.safe_add(deposit)?;
            ledger.total_collateral = ledger.total_collateral.safe_add(deposit)?;
            trader.remove_market(key);
            Some(deposit)
        } else {
            None
        };
        records.push(SettleRecord {
            market: *key,
            seat: index,
            adl,
            adl_cancels,
            funding_paid,
            settled,
            released_deposit,
        });
    }
    Ok(Settled { charge, seats: records })
}

/// The trader's margin over `markets` (each at its cached oracle price).
pub fn account_risk(trader: &Trader, markets: &[(Pubkey, MarketView)]) -> PerpResult<AccountRisk> {
    let mut risk = AccountRisk::new(trader.collateral)?;
    for (key, view) in markets {
        if let Some(index) = trader.seat_in(key) {
            risk.add(&seat_risk(view.header, view.seat(index)?)?)?;
        }
    }
    Ok(risk)
}

/// The trader's margin over `markets` when the seats in `unchanged` (computed with
/// `account_risk` over the other markets) are known already: only `markets` are computed again.
pub fn account_risk_with(
    trader: &Trader,
    markets: &[(Pubkey, MarketView)],
    unchanged: &AccountRisk,
) -> PerpResult<AccountRisk> {
    let mut risk = account_risk(trader, markets)?;
    risk.merge_seats(unchanged)?;
    Ok(risk)
}

/// Claims a seat for the trader in `market`, paying the market's seat deposit from collateral.
pub fn claim_seat(
    trader: &mut Trader,
    trader_key: &Pubkey,
    ledger: &mut Ledger,
    market_key: &Pubkey,
    view: &mut MarketView,
) -> PerpResult<u32> {
    let deposit = view.header.seat_deposit;
    if trader.collateral < deposit {
        return Err(PerpError::InsufficientCollateral);
    }
    let index = view.claim_seat(*trader_key, deposit)?;
    trader.add_market(*market_key, index)?;
    trader.collateral = trader.collateral.safe_sub(deposit)?;
    ledger.total_collateral = ledger.total_collateral.safe_sub(deposit)?;
    Ok(index)
}

/// Token units a market holds on the exchange's books: seats' unsettled quote, cost bases and
/// deposits, settled funding not yet matched by its counterparties' settlement, and the insurance
/// position's cost basis and unsettled quote (money rule 1: vault = total collateral + fee pool +
/// this, summed over markets).
pub fn market_cash(header: &MarketHeader) -> PerpResult<i64> {
    let deposits: i64 = cast(header.sum_seat_deposits)?;
    header
        .sum_unsettled_quote
        .safe_add(header.sum_quote_entry)?
        .safe_add(deposits)?
        .safe_add(header.funding_settled_net)?
        .safe_add(header.insurance.quote_entry)?
        .safe_add(header.insurance.unsettled_quote)
}
