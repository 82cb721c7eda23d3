//! Collateral moving between token accounts and the exchange's books.
use crate::error::{PerpError, PerpResult};
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

#[cfg(test)]
mod tests;
