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
