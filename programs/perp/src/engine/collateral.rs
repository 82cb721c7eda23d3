//! Collateral moving between token accounts and the exchange's books.
use crate::error::{PerpError, PerpResult};
use crate::math::fixed::{mul_div_u64, Rounding};
use crate::math::SafeMath;
use crate::state::{Ledger, Trader};

/// Credits `amount` to the trader and the ledger. Fails, changing nothing, on zero or overflow.
pub fn deposit(ledger: &mut Ledger, trader: &mut Trader, amount: u64) -> PerpResult<()> {
    if amount == 0 {
        return Err(PerpError::ZeroAmount);
    }
    let collateral = trader.collateral.safe_add(amount)?;
    let total_collateral = ledger.total_collateral.safe_add(amount)?;
    let total_deposited = ledger.total_deposited.safe_add(amount)?;
    trader.collateral = collateral;
    ledger.total_collateral = total_collateral;
    ledger.total_deposited = total_deposited;
    Ok(())
}

/// Debits `amount` from the trader and the ledger. Fails, changing nothing, on zero or when
/// `amount` exceeds `withdrawable` (see `engine::account::AccountRisk::withdrawable`).
pub fn withdraw(ledger: &mut Ledger, trader: &mut Trader, amount: u64, withdrawable: u64) -> PerpResult<()> {
    if amount == 0 {
        return Err(PerpError::ZeroAmount);
    }
    crate::validate!(
        amount <= withdrawable.min(trader.collateral),
        PerpError::InsufficientCollateral,
        "withdrawal of {} over the withdrawable {} (collateral {})",
        amount,
        withdrawable,
        trader.collateral
    );
    let collateral = trader.collateral.safe_sub(amount)?;
    let total_collateral = ledger.total_collateral.safe_sub(amount)?;
    let total_withdrawn = ledger.total_withdrawn.safe_add(amount)?;
    trader.collateral = collateral;
    ledger.total_collateral = total_collateral;
    ledger.total_withdrawn = total_withdrawn;
    Ok(())
}

/// Adds `amount` to the insurance fund.
pub fn deposit_insurance(ledger: &mut Ledger, amount: u64) -> PerpResult<()> {
    if amount == 0 {
        return Err(PerpError::ZeroAmount);
    }
    let fund = ledger.insurance_fund.safe_add(amount)?;
    let total = ledger.total_insurance_deposited.safe_add(amount)?;
    ledger.insurance_fund = fund;
    ledger.total_insurance_deposited = total;
    Ok(())
}

/// Where money the exchange's own rules send to the insurance fund comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InsuranceSource {
    /// The fund's share of trading fees.
    Fees,
    /// The fund's share of a liquidation penalty.
    LiquidationPenalty,
    /// Funding's rounding dust.
    FundingDust,
    /// Net gains of its positions in the markets.
    Positions,
}

/// Credits the insurance fund with what the exchange's own rules send it, recording the source;
/// the caller moves the tokens from the vault to the insurance vault.
pub fn credit_insurance(ledger: &mut Ledger, source: InsuranceSource, amount: u64) -> PerpResult<()> {
    let fund = ledger.insurance_fund.safe_add(amount)?;
    let by_source = match source {
        InsuranceSource::Fees => &mut ledger.insurance_from_fees,
        InsuranceSource::LiquidationPenalty => &mut ledger.insurance_from_penalties,
        InsuranceSource::FundingDust => &mut ledger.insurance_from_funding_dust,
        InsuranceSource::Positions => &mut ledger.insurance_from_positions,
    };
    *by_source = by_source.safe_add(amount)?;
    ledger.insurance_fund = fund;
    Ok(())
}

/// Pays `amount` out of the insurance fund (a bankruptcy draw or its positions' losses); the
/// caller moves the tokens from the insurance vault to the vault.
pub fn draw_insurance(ledger: &mut Ledger, amount: u64) -> PerpResult<()> {
    let fund = ledger.insurance_fund.safe_sub(amount)?;
    ledger.insurance_drawn = ledger.insurance_drawn.safe_add(amount)?;
    ledger.insurance_fund = fund;
    Ok(())
}

/// Scale of `Ledger::loss_index`: the share of collateral socialized losses took within the
/// current epoch, at 1e18 (0 = none, `LOSS_INDEX_SCALE` = all of it).
pub const LOSS_INDEX_SCALE: u64 = 1_000_000_000_000_000_000;

/// When what socialized losses leave of collateral falls below this (1e-9 of it), the epoch ends:
/// every account charged before has lost all of it, and the index starts again at 0.
pub const LOSS_EPOCH_FLOOR: u64 = 1_000_000_000;

/// Where a loss no position could bear went (the waterfall's last step).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LossPlacement {
    /// Paid by the exchange's fee pool (its own revenue), first.
    pub fee_pool_paid: u64,
    /// Charged to every trader account's collateral in proportion to it.
    pub socialized: u64,
    /// Beyond the fee pool and all collateral: left on the account it arose in.
    pub unplaced: u64,
}

/// Places `amount`, a loss no position could bear: the fee pool pays first; the rest is charged
/// to all collateral pro rata, each account on its next touch (`charge_socialized_loss`), in all
/// exactly the rest. The collateral that bears it is what earlier socialized losses left
/// (`total_collateral - socialized_loss_due`); each keeps the same fraction `1 - rest / that`,
/// so the loss index (the share taken within the epoch) rises by that fraction of what it had
/// left, rounded up (against the traders). What exceeds all collateral stays unplaced.
pub fn place_loss(ledger: &mut Ledger, amount: u64) -> PerpResult<LossPlacement> {
    let fee_pool_paid = amount.min(ledger.fee_pool);
    let rest = amount.safe_sub(fee_pool_paid)?;
    let available = ledger.total_collateral.saturating_sub(ledger.socialized_loss_due);
    let socialized = rest.min(available);
    let placed = LossPlacement { fee_pool_paid, socialized, unplaced: rest.safe_sub(socialized)? };
    let (mut index, mut epoch) = (ledger.loss_index, ledger.loss_epoch);
    if socialized > 0 {
        let left = LOSS_INDEX_SCALE.safe_sub(index)?;
        let step = mul_div_u64(socialized, left, available, Rounding::Up)?;
        index = index.safe_add(step)?.min(LOSS_INDEX_SCALE);
        if LOSS_INDEX_SCALE.safe_sub(index)? < LOSS_EPOCH_FLOOR {
            // Everything charged before has gone: a new epoch starts from nothing taken.
            epoch = epoch.safe_add(1)?;
            index = 0;
        }
    }
    let fee_pool = ledger.fee_pool.safe_sub(fee_pool_paid)?;
    let fee_pool_losses = ledger.fee_pool_losses.safe_add(fee_pool_paid)?;
    let socialized_losses = ledger.socialized_losses.safe_add(socialized)?;
    let due = ledger.socialized_loss_due.safe_add(socialized)?;
    ledger.fee_pool = fee_pool;
    ledger.fee_pool_losses = fee_pool_losses;
    ledger.socialized_losses = socialized_losses;
    ledger.socialized_loss_due = due;
    ledger.loss_index = index;
    ledger.loss_epoch = epoch;
    Ok(placed)
}

/// The trader's share of socialized losses it has not paid yet: of its collateral, the part the
/// index took since its last charge, `collateral x (index now - then) / (1 - then)` rounded up
/// (all of it when an epoch ended since), at most its collateral and what is still due. Views
/// read accounts through this; the program charges it on every touch.
pub fn pending_socialized_loss(ledger: &Ledger, trader: &Trader) -> PerpResult<u64> {
    if trader.collateral == 0 {
        return Ok(0);
    }
    let share = if trader.loss_epoch < ledger.loss_epoch {
        trader.collateral
    } else {
        let rise = ledger.loss_index.safe_sub(trader.loss_index)?;
        if rise == 0 {
            return Ok(0);
        }
        let left = LOSS_INDEX_SCALE.safe_sub(trader.loss_index)?;
        mul_div_u64(trader.collateral, rise, left, Rounding::Up)?
    };
    Ok(share.min(trader.collateral).min(ledger.socialized_loss_due))
}

/// Charges the trader its pending share of socialized losses (before anything else touches its
/// collateral). Returns the amount charged.
pub fn charge_socialized_loss(ledger: &mut Ledger, trader: &mut Trader) -> PerpResult<u64> {
    let share = pending_socialized_loss(ledger, trader)?;
    if share > 0 {
        let collateral = trader.collateral.safe_sub(share)?;
        let total = ledger.total_collateral.safe_sub(share)?;
        let due = ledger.socialized_loss_due.safe_sub(share)?;
        trader.collateral = collateral;
        ledger.total_collateral = total;
        ledger.socialized_loss_due = due;
    }
    trader.loss_index = ledger.loss_index;
    trader.loss_epoch = ledger.loss_epoch;
    Ok(share)
}

/// A copy of `trader` as the program will see it on its next touch: its pending share of
/// socialized losses charged. For views and checkers.
pub fn with_socialized_loss(ledger: &Ledger, trader: &Trader) -> PerpResult<Trader> {
    let mut ledger = *ledger;
    let mut copy = trader.clone();
    charge_socialized_loss(&mut ledger, &mut copy)?;
    Ok(copy)
}

#[cfg(test)]
mod tests;
