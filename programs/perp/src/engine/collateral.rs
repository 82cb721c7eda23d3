//! Collateral moving between token accounts and the exchange's books.
use crate::error::PerpError;
use crate::math::SafeMath;
use crate::state::{Ledger, Trader};

/// Credits `amount` to the trader and the ledger. Fails, changing nothing, on zero or overflow.
pub fn deposit(ledger: &mut Ledger, trader: &mut Trader, amount: u64) -> Result<(), PerpError> {
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
pub fn withdraw(ledger: &mut Ledger, trader: &mut Trader, amount: u64, withdrawable: u64) -> Result<(), PerpError> {
    if amount == 0 {
        return Err(PerpError::ZeroAmount);
    }
    if amount > withdrawable.min(trader.collateral) {
        return Err(PerpError::InsufficientCollateral);
    }
    let collateral = trader.collateral.safe_sub(amount)?;
    let total_collateral = ledger.total_collateral.safe_sub(amount)?;
    let total_withdrawn = ledger.total_withdrawn.safe_add(amount)?;
    trader.collateral = collateral;
    ledger.total_collateral = total_collateral;
    ledger.total_withdrawn = total_withdrawn;
    Ok(())
}

/// Adds `amount` to the insurance fund.
pub fn deposit_insurance(ledger: &mut Ledger, amount: u64) -> Result<(), PerpError> {
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
pub fn credit_insurance(ledger: &mut Ledger, source: InsuranceSource, amount: u64) -> Result<(), PerpError> {
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
pub fn draw_insurance(ledger: &mut Ledger, amount: u64) -> Result<(), PerpError> {
    let fund = ledger.insurance_fund.safe_sub(amount)?;
    ledger.insurance_drawn = ledger.insurance_drawn.safe_add(amount)?;
    ledger.insurance_fund = fund;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang::prelude::Pubkey;
    use proptest::prelude::*;

    fn trader(collateral: u64) -> Trader {
        Trader { owner: Pubkey::new_unique(), sub_account_id: 0, bump: 255, collateral, markets: Default::default() }
    }

    #[test]
    fn round_trip_and_rejections_change_nothing() {
        let mut ledger = Ledger::default();
        let mut t = trader(0);
        deposit(&mut ledger, &mut t, 1_000_000).unwrap();
        withdraw(&mut ledger, &mut t, 400_000, 600_000).unwrap();
        assert_eq!(t.collateral, 600_000);
        assert_eq!(ledger.total_collateral, 600_000);
        assert_eq!((ledger.total_deposited, ledger.total_withdrawn), (1_000_000, 400_000));

        let before = (ledger, t.collateral);
        assert_eq!(withdraw(&mut ledger, &mut t, 600_001, u64::MAX), Err(PerpError::InsufficientCollateral));
        // Margin in use caps it below the collateral.
        assert_eq!(withdraw(&mut ledger, &mut t, 500_001, 500_000), Err(PerpError::InsufficientCollateral));
        assert_eq!(withdraw(&mut ledger, &mut t, 0, u64::MAX), Err(PerpError::ZeroAmount));
        assert_eq!(deposit(&mut ledger, &mut t, 0), Err(PerpError::ZeroAmount));
        assert_eq!(deposit(&mut ledger, &mut t, u64::MAX), Err(PerpError::MathOverflow));
        assert_eq!((ledger, t.collateral), before);
    }

    #[test]
    fn ledger_overflow_leaves_the_trader_untouched() {
        let mut ledger = Ledger { total_deposited: u64::MAX, ..Ledger::default() };
        let mut t = trader(0);
        assert_eq!(deposit(&mut ledger, &mut t, 1), Err(PerpError::MathOverflow));
        assert_eq!(t.collateral, 0);
        assert_eq!(ledger.total_collateral, 0);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(crate::engine::test_market::proptest_cases(crate::engine::test_market::MONEY_CASES_LEDGER)))]
        #[test]
        fn ledger_totals_track_traders(ops in proptest::collection::vec((0usize..3, any::<bool>(), 0u64..2_000_000), 1..60)) {
            let mut ledger = Ledger::default();
            let mut traders = [trader(0), trader(0), trader(0)];
            for (who, is_deposit, amount) in ops {
                let t = &mut traders[who];
                let before = (ledger, t.collateral);
                let result = if is_deposit { deposit(&mut ledger, t, amount) } else { withdraw(&mut ledger, t, amount, u64::MAX) };
                if result.is_err() {
                    prop_assert_eq!((ledger, t.collateral), before);
                }
                let sum: u64 = traders.iter().map(|t| t.collateral).sum();
                prop_assert_eq!(ledger.total_collateral, sum);
                prop_assert_eq!(ledger.total_deposited - ledger.total_withdrawn, sum);
            }
        }
    }
}
