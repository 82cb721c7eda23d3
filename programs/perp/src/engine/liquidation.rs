//! Liquidation (DESIGN.md, "The loss waterfall, exactly", step 1), on loaded accounts: an
//! account with 0 <= equity < maintenance (cross margin, at the oracle) has its orders in the
//! market cancelled (in a market where it holds only orders, that is all), and the liquidator
//! takes over the least part of its position there that
//! brings its equity to maintenance plus the market's buffer (all of it when the rest would be
//! below the minimum order notional), at the oracle less the penalty. The penalty is capped by
//! the account's equity and split between the liquidator and the insurance fund; the liquidator
//! must meet initial margin afterwards.
use anchor_lang::prelude::Pubkey;

use crate::engine::account::{account_risk, account_risk_with, claim_seat, settle_trader, Settled};
use crate::engine::collateral::{credit_insurance, InsuranceSource};
use crate::engine::orders::{apply_trade_to_seat, cancel_all, trim_reduce_only, CancelReason, CancelRecord};
use crate::error::{PerpError, PerpResult};
use crate::math::fixed::{apply_ppm, Rounding};
use crate::math::liquidation::{least_lots, margin_gain_per_lot, penalty, transfer_price, PenaltySplit};
use crate::math::position::lots_value;
use crate::math::safe::{cast, SafeMath};
use crate::state::market::{MarketHeader, MAX_ORDERS_PER_SEAT};
use crate::state::{Ledger, MarketView, Trader};

/// What a liquidation did, for its events.
#[derive(Debug, Default)]
pub struct LiquidationOutcome {
    /// The liquidated account's orders in the market, cancelled first; then the liquidator's
    /// reduce-only orders there that the takeover left beyond its position (trimmed).
    pub cancels: Vec<CancelRecord>,
    /// Settlements of both accounts' seats (before and after the takeover).
    pub liquidated_settled: Settled,
    pub liquidator_settled: Settled,
    /// Seat index and deposit when the liquidator claimed a seat to take the position over.
    pub liquidator_claimed: Option<(u32, u64)>,
    /// The liquidated position before (lots, > 0 long) and the lots taken over.
    pub position_lots_before: i64,
    pub lots: u64,
    /// Base (1e9) taken over.
    pub base: u64,
    pub oracle_price: u64,
    /// Oracle less (long) or plus (short) the liquidator's part of the penalty per base unit.
    pub transfer_price: u64,
    /// Notional taken over at the oracle, token units (rounded up).
    pub notional: u64,
    pub penalty: PenaltySplit,
    pub liquidated_realized_pnl: i64,
    pub equity_before: i64,
    pub maintenance_before: u64,
    pub equity_after: i64,
    pub maintenance_after: u64,
}

/// Liquidates `liquidated`'s position in `markets[0]` into `liquidator`. `markets` holds every
/// market of both accounts (oracle prices cached, funding brought up to date). Every rejection
/// leaves the accounts as the transaction found them (the transaction reverts as a whole). The
/// outcome is boxed: it is large, and SBF stack frames are 4 KiB.
pub fn liquidate(
    liquidated: &mut Trader,
    liquidated_key: &Pubkey,
    liquidator: &mut Trader,
    liquidator_key: &Pubkey,
    ledger: &mut Ledger,
    markets: &mut [(Pubkey, MarketView)],
) -> PerpResult<Box<LiquidationOutcome>> {
    if liquidated_key == liquidator_key || liquidated.owner == liquidator.owner {
        return Err(PerpError::CannotLiquidateSelf);
    }
    let mut out = Box::new(LiquidationOutcome {
        liquidated_settled: settle_trader(liquidated, liquidated_key, ledger, markets)?,
        liquidator_settled: settle_trader(liquidator, liquidator_key, ledger, markets)?,
        ..LiquidationOutcome::default()
    });
    let before = account_risk(liquidated, markets)?;
    crate::validate!(
        before.below_maintenance()?,
        PerpError::NotLiquidatable,
        "equity {} at or above maintenance {}",
        before.equity,
        before.maintenance
    );
    out.equity_before = before.equity;
    out.maintenance_before = before.maintenance;
    take_over(liquidated, liquidator, liquidator_key, ledger, markets, &mut out)?;
    out.liquidated_settled.extend(settle_trader(liquidated, liquidated_key, ledger, &mut markets[..1])?);
    out.liquidator_settled.extend(settle_trader(liquidator, liquidator_key, ledger, &mut markets[..1])?);
    if out.lots > 0 && !account_risk(liquidator, markets)?.meets_initial()? {
        return Err(PerpError::LiquidatorBelowInitial);
    }
    let after = account_risk(liquidated, markets)?;
    out.equity_after = after.equity;
    out.maintenance_after = after.maintenance;
    Ok(out)
}

/// Cancels the liquidated account's orders in `markets[0]`, then moves the least position that
/// restores its margin to the liquidator at the oracle, with the penalty. Fills `out`.
fn take_over(
    liquidated: &Trader,
    liquidator: &mut Trader,
    liquidator_key: &Pubkey,
    ledger: &mut Ledger,
    markets: &mut [(Pubkey, MarketView)],
    out: &mut LiquidationOutcome,
) -> PerpResult<()> {
    let market_key = markets.first().map(|(k, _)| *k).ok_or(PerpError::MissingMarginAccounts)?;
    let seat = liquidated.seat_in(&market_key).ok_or(PerpError::NoPositionToLiquidate)?;
    let others = account_risk(liquidated, &markets[1..])?;
    let view = &mut markets[0].1;
    out.cancels = cancel_all(view, seat, CancelReason::Liquidation)?;
    let held = view.seat(seat)?.base_lots;
    // Orders only, or an account below zero equity (its position waits for `resolve_bankruptcy`):
    // pulling its orders is all there is to do here. The keeper does it first, market by market,
    // so a resolution has few orders left to cancel.
    let bankrupt = out.equity_before < 0;
    if held == 0 || bankrupt {
        return match (out.cancels.is_empty(), bankrupt) {
            (false, _) => Ok(()),
            (true, true) => Err(PerpError::AccountBankrupt),
            (true, false) => Err(PerpError::NoPositionToLiquidate),
        };
    }
    let long = held > 0;
    let lots = lots_to_take(view.header, held.unsigned_abs(), out.equity_before, others.maintenance)?;
    let (lot_size, oracle_price) = (view.header.lot_size, view.header.oracle_price);
    let signed_lots: i64 = cast(lots)?;
    let delta = if long { signed_lots.checked_neg().ok_or(PerpError::MathOverflow)? } else { signed_lots };
    // The position moves at the oracle, rounded against the liquidated: a long sells for the
    // floor, a short buys back for the ceiling. The liquidator's cash flow is the exact opposite.
    let cash = if long {
        lots_value(signed_lots, lot_size, oracle_price, Rounding::Down)?
    } else {
        lots_value(signed_lots, lot_size, oracle_price, Rounding::Up)?.checked_neg().ok_or(PerpError::MathOverflow)?
    };
    out.liquidated_realized_pnl = apply_trade_to_seat(view, seat, delta, cash, 0)?;
    out.notional = cast(lots_value(signed_lots, lot_size, oracle_price, Rounding::Up)?)?;
    let equity_mid = account_risk_with(liquidated, &markets[..1], &others)?.equity;
    let view = &mut markets[0].1;
    let header = &*view.header;
    out.penalty = penalty(
        out.notional,
        header.liquidation_penalty_ppm,
        header.liquidation_insurance_share_ppm,
        cast(equity_mid.max(0))?,
    )?;
    let charged: i64 = cast(out.penalty.total)?;
    apply_trade_to_seat(view, seat, 0, 0, charged.checked_neg().ok_or(PerpError::MathOverflow)?)?;
    let liquidator_seat = match liquidator.seat_in(&market_key) {
        Some(index) => index,
        None => {
            let index = claim_seat(liquidator, liquidator_key, ledger, &market_key, view)?;
            out.liquidator_claimed = Some((index, view.header.seat_deposit));
            index
        }
    };
    let to_liquidator: i64 = cast(out.penalty.to_liquidator)?;
    let liquidator_before = view.seat(liquidator_seat)?.base_lots;
    apply_trade_to_seat(
        view,
        liquidator_seat,
        delta.checked_neg().ok_or(PerpError::MathOverflow)?,
        cash.checked_neg().ok_or(PerpError::MathOverflow)?,
        to_liquidator,
    )?;
    // A takeover that shrinks (or flips) the liquidator's position trims its reduce-only orders
    // there to what the position can still reduce. One liquidation cancels and trims at most
    // `MAX_ORDERS_PER_SEAT` orders in all (the instruction's worst case); a liquidator whose
    // trims would pass that is refused (`ReduceOnlyViolation`): it pulls its orders first, or
    // the account's orders are pulled first by a liquidation of its orders alone.
    let liquidator_seat_now = *view.seat(liquidator_seat)?;
    let shrank = liquidator_before != 0
        && (liquidator_seat_now.base_lots.signum() != liquidator_before.signum()
            || liquidator_seat_now.base_lots.unsigned_abs() < liquidator_before.unsigned_abs());
    if shrank && liquidator_seat_now.order_count > 0 {
        let limit = MAX_ORDERS_PER_SEAT.saturating_sub(out.cancels.len());
        trim_reduce_only(view, liquidator_seat, limit, &mut out.cancels)?;
    }
    credit_insurance(ledger, InsuranceSource::LiquidationPenalty, out.penalty.to_insurance)?;
    out.position_lots_before = held;
    out.lots = lots;
    out.base = lots.safe_mul(lot_size)?;
    out.oracle_price = oracle_price;
    out.transfer_price = transfer_price(oracle_price, out.base, out.penalty.to_liquidator, long)?;
    Ok(())
}

/// The least lots of a position of `held` lots whose takeover leaves the account's equity at or
/// above its maintenance requirement plus the buffer on what remains; all of it when the rest
/// would be worth less than the minimum order notional, or when nothing less restores margin.
/// `equity` is the account's equity and `other_maintenance` the requirement of its other markets.
fn lots_to_take(header: &MarketHeader, held: u64, equity: i64, other_maintenance: u64) -> PerpResult<u64> {
    let (lot, price) = (header.lot_size, header.oracle_price);
    let value = |lots: u64| -> PerpResult<u64> { cast(lots_value(cast(lots)?, lot, price, Rounding::Up)?) };
    // Margin left after taking `x` lots over (penalty uncapped: a capped one only happens when
    // nothing less than all restores margin).
    let surplus = |x: u64| -> PerpResult<i64> {
        let penalty = apply_ppm(value(x)?, u64::from(header.liquidation_penalty_ppm), Rounding::Up)?;
        let remaining = value(held.safe_sub(x)?)?;
        let requirement = other_maintenance
            .safe_add(header.brackets.maintenance_requirement(remaining)?)?
            .safe_add(apply_ppm(remaining, u64::from(header.liquidation_buffer_ppm), Rounding::Up)?)?;
        equity.safe_sub(cast(penalty)?)?.safe_sub(cast(requirement)?)
    };
    let deficit = surplus(0)?.min(0).unsigned_abs();
    let lot_value = value(1)?;
    let (buffer, penalty_ppm) = (header.liquidation_buffer_ppm, header.liquidation_penalty_ppm);
    let most_gain = margin_gain_per_lot(lot_value, header.brackets.highest_maintenance_ppm(), buffer, penalty_ppm)?;
    let least_gain = margin_gain_per_lot(lot_value, header.brackets.lowest_maintenance_ppm(), buffer, penalty_ppm)?;
    let lo = deficit.checked_div(most_gain).unwrap_or(1);
    let hi = match deficit.checked_div(least_gain) {
        Some(lots) => lots.safe_add(2)?,
        None => held,
    };
    let lots = if surplus(held)? < 0 { held } else { least_lots(held, lo, hi, |x| Ok(surplus(x)? >= 0))? };
    if lots < held && value(held.safe_sub(lots)?)? < header.min_order_notional {
        return Ok(held);
    }
    Ok(lots)
}

#[cfg(test)]
mod tests;
