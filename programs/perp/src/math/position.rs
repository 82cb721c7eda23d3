//! Positions: applying a fill to (base, cost basis), realized PnL, valuation at a price.
//!
//! A position is `base_lots` (signed) and `quote_entry`, the signed cash flow that built it
//! (buying pays: negative; selling receives: positive). Its unrealized PnL at price P is
//! `value(base_lots, P) + quote_entry`. A fill's cash flow is split exactly between what stays in
//! the cost basis and what is realized, so over all seats `quote_entry + realized` moves by exactly
//! the fill's cash flow, which the counterparty's fill cancels: nothing is created or lost.
use crate::error::{PerpError, PerpResult};
use crate::math::fixed::{mul_div_i64, Rounding, BASE_PRECISION};
use crate::math::safe::{cast, SafeMath};

/// Token units of `lots` lots (each `lot_size` base at 1e9) at `price` (1e6), rounded as asked
/// (floor or ceiling, also for negative `lots`).
pub fn lots_value(lots: i64, lot_size: u64, price: u64, rounding: Rounding) -> PerpResult<i64> {
    let base = i128::from(lots).safe_mul(i128::from(lot_size))?;
    let product = base.safe_mul(i128::from(price))?;
    let denominator = i128::from(BASE_PRECISION);
    let floor = product.div_euclid(denominator);
    let rounded = match rounding {
        Rounding::Up if product.rem_euclid(denominator) != 0 => floor.safe_add(1)?,
        _ => floor,
    };
    cast(rounded)
}

/// Token units of one lot at `price`; a market's tick and lot make this exact for every price on
/// the tick (`create_market` checks it), so fills never round.
pub fn lot_notional(lot_size: u64, price: u64) -> PerpResult<u64> {
    let value = lots_value(1, lot_size, price, Rounding::Down)?;
    if lots_value(1, lot_size, price, Rounding::Up)? != value {
        return Err(PerpError::InvalidTickOrLot);
    }
    cast(value)
}

/// A position in one market.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Position {
    pub base_lots: i64,
    pub quote_entry: i64,
}

impl Position {
    /// Unrealized PnL at `price`, rounded down (against the trader).
    pub fn unrealized_pnl(&self, lot_size: u64, price: u64) -> PerpResult<i64> {
        lots_value(self.base_lots, lot_size, price, Rounding::Down)?.safe_add(self.quote_entry)
    }

    /// Notional at `price`, rounded up (for margin requirements).
    pub fn notional(&self, lot_size: u64, price: u64) -> PerpResult<u64> {
        let value =
            lots_value(self.base_lots.checked_abs().ok_or(PerpError::MathOverflow)?, lot_size, price, Rounding::Up)?;
        cast(value)
    }

    /// Applies a fill of `delta_lots` (> 0 bought, < 0 sold) at `lot_notional` token units per lot.
    /// Returns the realized PnL (floored: against the trader). The rest of the cash flow stays in
    /// the cost basis; a flip closes the old position and opens the remainder at the fill price.
    pub fn apply_fill(&mut self, delta_lots: i64, lot_notional: u64) -> PerpResult<i64> {
        let per_lot: i64 = cast(lot_notional)?;
        // Buying pays (negative cash), selling receives.
        let cash = per_lot.safe_mul(delta_lots)?.checked_neg().ok_or(PerpError::MathOverflow)?;
        self.apply_trade(delta_lots, cash)
    }

    /// Applies a trade of `delta_lots` (> 0 bought, < 0 sold) for the signed cash flow `cash`
    /// (what buying paid: negative; what selling received: positive), e.g. a liquidation transfer
    /// priced at the oracle. Returns the realized PnL, floored. On a flip the closing part's cash
    /// is its pro-rata share of `cash`, floored (against the trader); the opening part keeps the
    /// rest, so the cash flow is split exactly.
    pub fn apply_trade(&mut self, delta_lots: i64, cash: i64) -> PerpResult<i64> {
        if delta_lots == 0 {
            return Ok(0);
        }
        let increasing = self.base_lots == 0 || (self.base_lots > 0) == (delta_lots > 0);
        if increasing {
            self.base_lots = self.base_lots.safe_add(delta_lots)?;
            self.quote_entry = self.quote_entry.safe_add(cash)?;
            return Ok(0);
        }
        let held = self.base_lots.checked_abs().ok_or(PerpError::MathOverflow)?;
        let moving = delta_lots.checked_abs().ok_or(PerpError::MathOverflow)?;
        let closing = held.min(moving);
        let opening = moving.safe_sub(closing)?;
        // The share of the cost basis the closed lots carried, floored so the realized PnL is too.
        let released = mul_div_i64(self.quote_entry, closing, held, Rounding::Down)?;
        let close_cash = if opening == 0 { cash } else { mul_div_i64(cash, closing, moving, Rounding::Down)? };
        let realized = released.safe_add(close_cash)?;
        self.quote_entry = self.quote_entry.safe_sub(released)?;
        self.base_lots = self.base_lots.safe_add(closing.safe_mul(delta_lots.signum())?)?;
        if opening > 0 {
            self.base_lots = self.base_lots.safe_add(opening.safe_mul(delta_lots.signum())?)?;
            self.quote_entry = self.quote_entry.safe_add(cash.safe_sub(close_cash)?)?;
        }
        Ok(realized)
    }
}

#[cfg(test)]
mod tests;
