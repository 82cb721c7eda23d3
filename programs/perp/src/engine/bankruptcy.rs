//! Bankruptcy resolution (DESIGN.md, "The loss waterfall, exactly", steps 2 and 3), on loaded
//! accounts: an account below zero equity has all its orders cancelled; the insurance fund pays
//! `min(deficit, its balance, the per-event cap)` into it; whatever the fund does not cover is
//! split over its losing positions in proportion to their notional, and each of its positions
//! closes at its bankruptcy price into the market's insurance position, with an ADL event that
//! makes the whole opposite side give up the same fraction at that price (`engine::adl`).
use anchor_lang::prelude::Pubkey;

use crate::engine::account::{account_risk, settle_trader, Settled};
use crate::engine::adl::{close_into_insurance, settle_insurance_funding, BankruptClose};
use crate::engine::collateral::{credit_insurance, draw_insurance, place_loss, InsuranceSource, LossPlacement};
use crate::engine::orders::{cancel_all, CancelReason, CancelRecord};
use crate::error::{PerpError, PerpResult};
use crate::math::fixed::{mul_div_u64, Rounding};
use crate::math::position::{lots_value, Position};
use crate::math::safe::{cast, SafeMath};
use crate::state::{Ledger, MarketView, Trader};

/// One market's part of a bankruptcy resolution.
#[derive(Debug, Default)]
pub struct MarketResolution {
    pub market: Pubkey,
    pub cancels: Vec<CancelRecord>,
    /// The share of the uncovered deficit this position bore (token units).
    pub deficit_share: u64,
    pub close: BankruptClose,
}

/// What a bankruptcy resolution did.
#[derive(Debug, Default)]
pub struct BankruptcyOutcome {
    pub settled: Settled,
    /// The deficit (-equity), what the insurance fund paid, and what ADL bore.
    pub deficit: u64,
    pub insurance_paid: u64,
    pub uncovered: u64,
    pub markets: Vec<MarketResolution>,
    /// The insurance positions' results swept into (> 0) or out of the fund, before and after.
    pub insurance_swept: InsuranceSweep,
    /// What no position could bear (an opposite side whose equity fell short of the deficit it
    /// took, or a short whose bankruptcy price would be below zero), and where it went.
    pub written_off: u64,
    pub placement: LossPlacement,
    pub equity_after: i64,
}

/// Resolves the bankruptcy of `trader` over `markets` (every market of the account, oracle prices
/// cached and funding brought up to date). Returns what moved; the caller moves the tokens:
/// `insurance_swept` and `insurance_paid` between the vaults. Rejected with `NotBankrupt` (nothing
/// changed) when the account's equity is not below zero.
pub fn resolve_bankruptcy(
    trader: &mut Trader,
    trader_key: &Pubkey,
    ledger: &mut Ledger,
    markets: &mut [(Pubkey, MarketView)],
) -> PerpResult<BankruptcyOutcome> {
    // The insurance positions' results enter the fund first, so it pays from its true balance;
    // a loss they place is charged to this account too, as the settlement that follows does.
    let mut out =
        BankruptcyOutcome { insurance_swept: sweep_insurance_positions(ledger, markets)?, ..Default::default() };
    out.settled = settle_trader(trader, trader_key, ledger, markets)?;
    let before = account_risk(trader, markets)?;
    if before.equity >= 0 {
        crate::error::log_failure(format_args!("equity {} is not below zero", before.equity));
        return Err(crate::math::safe::fail(PerpError::NotBankrupt));
    }
    out.deficit = before.equity.unsigned_abs();

    // Orders first: they carry no margin, and a bankrupt account keeps none.
    let mut cap: Option<u64> = None;
    for (key, view) in markets.iter_mut() {
        let Some(seat) = trader.seat_in(key) else { continue };
        let cancels = cancel_all(view, seat, CancelReason::Liquidation)?;
        let market_cap = view.header.insurance_cap_per_event;
        if market_cap > 0 {
            cap = Some(cap.map_or(market_cap, |c| c.min(market_cap)));
        }
        out.markets.push(MarketResolution { market: *key, cancels, ..MarketResolution::default() });
    }

    // The insurance fund pays what it can into the account's collateral.
    out.insurance_paid = out.deficit.min(ledger.insurance_fund).min(cap.unwrap_or(u64::MAX));
    draw_insurance(ledger, out.insurance_paid)?;
    trader.collateral = trader.collateral.safe_add(out.insurance_paid)?;
    ledger.total_collateral = ledger.total_collateral.safe_add(out.insurance_paid)?;
    out.uncovered = out.deficit.safe_sub(out.insurance_paid)?;
    if out.uncovered > 0 {
        deleverage(trader, markets, out.uncovered, &mut out.markets)?;
    }
    finish(trader, trader_key, ledger, markets, &mut out)?;
    Ok(out)
}

/// After the fund and ADL: the insurance positions' results of the closes swept, the account
/// settled, and what is still below zero written off. Out of line: the SBF frame is 4 KiB.
#[inline(never)]
fn finish(
    trader: &mut Trader,
    trader_key: &Pubkey,
    ledger: &mut Ledger,
    markets: &mut [(Pubkey, MarketView)],
    out: &mut BankruptcyOutcome,
) -> PerpResult<()> {
    // The closes may have realized a result on the insurance positions' own lots.
    out.insurance_swept.extend(sweep_insurance_positions(ledger, markets)?)?;
    out.settled.extend(settle_trader(trader, trader_key, ledger, markets)?);
    let after = account_risk(trader, markets)?.equity;
    // After ADL the account holds no position: what is still below zero no position can bear.
    // (When the fund covered the deficit, the positions stay, at zero equity, for liquidation.)
    if after < 0 && out.uncovered > 0 {
        out.written_off = after.unsigned_abs();
        out.placement = write_off(trader, ledger, markets, out.written_off)?;
        // Nothing left unsettled: its seats are released.
        out.settled.extend(settle_trader(trader, trader_key, ledger, markets)?);
    }
    out.equity_after = account_risk(trader, markets)?.equity;
    Ok(())
}

/// The waterfall's last step. After the fund and ADL the account has no positions; equity below
/// zero now is a loss no position could bear: `engine::collateral::place_loss` places it (the
/// fee pool, then every account's collateral pro rata), and the account's unsettled losses are
/// cleared by what was placed, leaving it at zero equity.
fn write_off(
    trader: &Trader,
    ledger: &mut Ledger,
    markets: &mut [(Pubkey, MarketView)],
    amount: u64,
) -> PerpResult<LossPlacement> {
    let placement = place_loss(ledger, amount)?;
    let mut left = amount.safe_sub(placement.unplaced)?;
    for (key, view) in markets.iter_mut() {
        let Some(index) = trader.seat_in(key) else { continue };
        let seat = view.seat_mut(index)?;
        if left == 0 || seat.unsettled_quote >= 0 {
            continue;
        }
        let cleared: i64 = cast(left.min(seat.unsettled_quote.unsigned_abs()))?;
        seat.unsettled_quote = seat.unsettled_quote.safe_add(cleared)?;
        view.header.sum_unsettled_quote = view.header.sum_unsettled_quote.safe_add(cleared)?;
        left = left.safe_sub(cleared.unsigned_abs())?;
    }
    crate::validate!(left == 0, PerpError::MathOverflow, "write-off of {} left {} without a seat loss", amount, left);
    Ok(placement)
}

/// Closes every position of the account at its bankruptcy price: positions at a loss share
/// `uncovered` in proportion to their notional (all positions when none is at a loss), the rest
/// close at the oracle. Each closes into the insurance position with an ADL event.
fn deleverage(
    trader: &Trader,
    markets: &mut [(Pubkey, MarketView)],
    uncovered: u64,
    resolutions: &mut [MarketResolution],
) -> PerpResult<()> {
    // Each market's position, notional and unrealized PnL at the oracle.
    let mut positions: Vec<(usize, u32, i64, u64, bool)> = Vec::with_capacity(markets.len());
    for (i, (key, view)) in markets.iter().enumerate() {
        let Some(seat_index) = trader.seat_in(key) else { continue };
        let seat = view.seat(seat_index)?;
        if seat.base_lots == 0 {
            continue;
        }
        let position = Position { base_lots: seat.base_lots, quote_entry: seat.quote_entry };
        let (lot, price) = (view.header.lot_size, view.header.oracle_price);
        positions.push((
            i,
            seat_index,
            seat.base_lots,
            position.notional(lot, price)?,
            position.unrealized_pnl(lot, price)? < 0,
        ));
    }
    let any_losing = positions.iter().any(|p| p.4);
    let bearing: u64 = positions
        .iter()
        .filter(|p| p.4 || !any_losing)
        .map(|p| p.3)
        .try_fold(0u64, |a, n| a.checked_add(n))
        .ok_or(PerpError::MathOverflow)?;
    let mut left = uncovered;
    let last_bearing = positions.iter().rposition(|p| p.4 || !any_losing);
    for (n, &(i, seat_index, base, notional, losing)) in positions.iter().enumerate() {
        let bears = losing || !any_losing;
        // Shares floored; the last bearing position takes the remainder, so they add up exactly.
        let share = if !bears {
            0
        } else if Some(n) == last_bearing {
            left
        } else {
            mul_div_u64(uncovered, notional, bearing, Rounding::Down)?
        };
        left = left.safe_sub(share)?;
        let view = &mut markets[i].1;
        let (lot, price) = (view.header.lot_size, view.header.oracle_price);
        // At the oracle (floored for a long selling, ceiled for a short buying back, as its
        // unrealized PnL is), plus the share: a long sells higher, a short buys back lower.
        // (lots_value floors a short's negative value, which is minus the ceiling.) A short's
        // bankruptcy price cannot go below zero: a share beyond its value stays on the account,
        // and the write-off places it.
        let value = lots_value(base, lot, price, Rounding::Down)?;
        let share = if base < 0 { share.min(value.unsigned_abs()) } else { share };
        let share_signed: i64 = cast(share)?;
        let cash = value.safe_add(share_signed)?;
        let close = close_into_insurance(view, seat_index, cash)?;
        if let Some(resolution) = resolutions.iter_mut().find(|r| r.market == markets[i].0) {
            resolution.deficit_share = share;
            resolution.close = close;
        }
    }
    Ok(())
}

/// One market's insurance position swept.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SweepRecord {
    pub market: Pubkey,
    /// Into the fund (> 0: its gains) or out of it (< 0: the part of a loss the fund paid).
    pub to_fund: i64,
    /// The part of a loss the fund could not pay, and where it went.
    pub placement: LossPlacement,
}

/// What sweeping the insurance positions did.
#[derive(Debug, Default)]
pub struct InsuranceSweep {
    /// Net amount moved between the vaults (> 0: into the insurance fund).
    pub net: i64,
    /// The markets where something moved.
    pub records: Vec<SweepRecord>,
}

impl InsuranceSweep {
    fn extend(&mut self, other: InsuranceSweep) -> PerpResult<()> {
        self.net = self.net.safe_add(other.net)?;
        self.records.extend(other.records);
        Ok(())
    }
}

/// Moves each market's insurance position's realized PnL and funding (settled first) into the
/// fund, or out of it for a loss. A loss the fund cannot pay (its positions hold the lots ADL
/// rounding left, which later events can close at a loss) is placed by the waterfall's last step
/// (`place_loss`), as a trader's is: the insurance position keeps only what could not be placed.
pub fn sweep_insurance_positions(
    ledger: &mut Ledger,
    markets: &mut [(Pubkey, MarketView)],
) -> PerpResult<InsuranceSweep> {
    let mut out = InsuranceSweep::default();
    // Gains first, so a loss in one market is paid from another's gain before anything is placed.
    for (key, view) in markets.iter_mut() {
        let header = &mut *view.header;
        settle_insurance_funding(header)?;
        let gain = header.insurance.unsettled_quote;
        if gain > 0 {
            credit_insurance(ledger, InsuranceSource::Positions, gain.unsigned_abs())?;
            header.insurance.unsettled_quote = 0;
            out.net = out.net.safe_add(gain)?;
            out.records.push(SweepRecord { market: *key, to_fund: gain, ..SweepRecord::default() });
        }
    }
    for (key, view) in markets.iter_mut() {
        let header = &mut *view.header;
        let unsettled = header.insurance.unsettled_quote;
        if unsettled >= 0 {
            continue;
        }
        let loss = unsettled.unsigned_abs();
        let paid = loss.min(ledger.insurance_fund);
        draw_insurance(ledger, paid)?;
        let placement = place_loss(ledger, loss.safe_sub(paid)?)?;
        let covered: i64 = cast(loss.safe_sub(placement.unplaced)?)?;
        header.insurance.unsettled_quote = unsettled.safe_add(covered)?;
        let paid: i64 = cast(paid)?;
        let to_fund = paid.checked_neg().ok_or(PerpError::MathOverflow)?;
        out.net = out.net.safe_add(to_fund)?;
        out.records.push(SweepRecord { market: *key, to_fund, placement });
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
