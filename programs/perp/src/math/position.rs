//! Positions: applying a fill to (base, cost basis), realized PnL, valuation at a price.
//!
//! A position is `base_lots` (signed) and `quote_entry`, the signed cash flow that built it
//! (buying pays: negative; selling receives: positive). Its unrealized PnL at price P is
//! `value(base_lots, P) + quote_entry`. A fill's cash flow is split exactly between what stays in
//! the cost basis and what is realized, so over all seats `quote_entry + realized` moves by exactly
//! the fill's cash flow, which the counterparty's fill cancels: nothing is created or lost.
use crate::error::PerpError;
use crate::math::fixed::{mul_div_i64, Rounding, BASE_PRECISION};
use crate::math::safe::{cast, SafeMath};

/// Token units of `lots` lots (each `lot_size` base at 1e9) at `price` (1e6), rounded as asked
/// (floor or ceiling, also for negative `lots`).
pub fn lots_value(lots: i64, lot_size: u64, price: u64, rounding: Rounding) -> Result<i64, PerpError> {
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
pub fn lot_notional(lot_size: u64, price: u64) -> Result<u64, PerpError> {
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
    pub fn unrealized_pnl(&self, lot_size: u64, price: u64) -> Result<i64, PerpError> {
        lots_value(self.base_lots, lot_size, price, Rounding::Down)?.safe_add(self.quote_entry)
    }

    /// Notional at `price`, rounded up (for margin requirements).
    pub fn notional(&self, lot_size: u64, price: u64) -> Result<u64, PerpError> {
        let value =
            lots_value(self.base_lots.checked_abs().ok_or(PerpError::MathOverflow)?, lot_size, price, Rounding::Up)?;
        cast(value)
    }

    /// Applies a fill of `delta_lots` (> 0 bought, < 0 sold) at `lot_notional` token units per lot.
    /// Returns the realized PnL (floored: against the trader). The rest of the cash flow stays in
    /// the cost basis; a flip closes the old position and opens the remainder at the fill price.
    pub fn apply_fill(&mut self, delta_lots: i64, lot_notional: u64) -> Result<i64, PerpError> {
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
    pub fn apply_trade(&mut self, delta_lots: i64, cash: i64) -> Result<i64, PerpError> {
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
mod tests {
    use super::*;
    use crate::math::PRICE_PRECISION;
    use proptest::prelude::*;

    /// 0.001 BTC lots.
    const LOT: u64 = 1_000_000;

    fn per_lot(price_quote: u64) -> u64 {
        lot_notional(LOT, price_quote * PRICE_PRECISION).unwrap()
    }

    #[test]
    fn seed_toy_trade() {
        // Buy 0.1 BTC (100 lots) at 86,000: pays 8,600; at 90,000 it is up 400.
        let mut long = Position::default();
        assert_eq!(per_lot(86_000), 86_000_000); // 86 quote per 0.001 BTC
        assert_eq!(long.apply_fill(100, per_lot(86_000)).unwrap(), 0);
        assert_eq!(long, Position { base_lots: 100, quote_entry: -8_600_000_000 });
        assert_eq!(long.unrealized_pnl(LOT, 90_000 * PRICE_PRECISION).unwrap(), 400_000_000);
        let mut short = Position::default();
        short.apply_fill(-100, per_lot(86_000)).unwrap();
        assert_eq!(short.unrealized_pnl(LOT, 90_000 * PRICE_PRECISION).unwrap(), -400_000_000);
        assert_eq!(long.notional(LOT, 90_000 * PRICE_PRECISION).unwrap(), 9_000_000_000);
    }

    #[test]
    fn partial_close_realizes_its_share_and_keeps_the_entry_price() {
        let mut p = Position::default();
        p.apply_fill(100, per_lot(86_000)).unwrap();
        // Sell 40 lots at 90,000: realizes 40 x 4 = 160.
        assert_eq!(p.apply_fill(-40, per_lot(90_000)).unwrap(), 160_000_000);
        assert_eq!(p, Position { base_lots: 60, quote_entry: -5_160_000_000 }); // still 86,000 entry
                                                                                // Short side: sell 3 at 100, buy back 1 at 90 realizes +10 per lot of 0.001... at these lots 0.01.
        let mut s = Position::default();
        s.apply_fill(-3, per_lot(100)).unwrap();
        assert_eq!(s.apply_fill(1, per_lot(90)).unwrap(), 10_000);
        assert_eq!(s, Position { base_lots: -2, quote_entry: 200_000 });
    }

    #[test]
    fn a_flip_closes_then_opens_at_the_fill_price() {
        let mut p = Position::default();
        p.apply_fill(10, per_lot(100)).unwrap();
        assert_eq!(p.apply_fill(-25, per_lot(110)).unwrap(), 100_000); // 10 lots x 0.01
        assert_eq!(p, Position { base_lots: -15, quote_entry: 1_650_000 });
    }

    #[test]
    fn realized_pnl_rounds_against_the_trader() {
        // 3 lots bought for 10 token units in total (3.33.. each); selling 1 at 3 per lot.
        let mut p = Position { base_lots: 3, quote_entry: -10 };
        // released = floor(-10 / 3) = -4, realized = -4 + 3 = -1 (exact: -0.33).
        assert_eq!(p.apply_fill(-1, 3).unwrap(), -1);
        assert_eq!(p, Position { base_lots: 2, quote_entry: -6 });
        let mut s = Position { base_lots: -3, quote_entry: 10 };
        // released = floor(10 / 3) = 3, realized = 3 - 3 = 0 (exact: +0.33).
        assert_eq!(s.apply_fill(1, 3).unwrap(), 0);
    }

    #[test]
    fn ticks_and_lots_that_do_not_make_whole_token_units_are_refused() {
        // 0.000000001 BTC at 1.5: 1.5e-9 quote per lot.
        assert_eq!(lot_notional(1, 1_500_000), Err(PerpError::InvalidTickOrLot));
        assert_eq!(lots_value(i64::MAX, u64::MAX, u64::MAX, Rounding::Down), Err(PerpError::MathOverflow));
    }

    proptest! {
        /// Two counterparties trading a random sequence: base sums to zero, and
        /// quote_entry + realized over both moves by exactly zero per fill.
        #[test]
        fn fills_conserve_cash(fills in proptest::collection::vec((-50i64..50, 1u64..200_000), 1..40)) {
            let (mut a, mut b) = (Position::default(), Position::default());
            let (mut ra, mut rb) = (0i64, 0i64);
            for (lots, px) in fills {
                ra += a.apply_fill(lots, px).unwrap();
                rb += b.apply_fill(-lots, px).unwrap();
                prop_assert_eq!(a.base_lots + b.base_lots, 0);
                prop_assert_eq!(a.quote_entry + b.quote_entry + ra + rb, 0);
                if a.base_lots == 0 { prop_assert_eq!(a.quote_entry, 0); }
            }
        }
    }
}
