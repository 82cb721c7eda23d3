use super::*;
use anchor_lang::prelude::Pubkey;
use proptest::prelude::*;

fn trader(collateral: u64) -> Trader {
    Trader {
        owner: Pubkey::new_unique(),
        sub_account_id: 0,
        bump: 255,
        collateral,
        loss_index: 0,
        loss_epoch: 0,
        markets: Default::default(),
    }
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

fn funded(ledger: &mut Ledger, collateral: u64) -> Trader {
    let mut t = Trader { loss_index: ledger.loss_index, loss_epoch: ledger.loss_epoch, ..trader(0) };
    deposit(ledger, &mut t, collateral).unwrap();
    t
}

#[test]
fn a_loss_no_position_bears_is_paid_by_the_fee_pool_first_then_by_all_collateral_pro_rata() {
    let mut ledger = Ledger { fee_pool: 100, ..Ledger::default() };
    let mut a = funded(&mut ledger, 3_000);
    let mut b = funded(&mut ledger, 1_000);
    // The fee pool covers a small loss alone.
    assert_eq!(place_loss(&mut ledger, 60), Ok(LossPlacement { fee_pool_paid: 60, socialized: 0, unplaced: 0 }));
    assert_eq!((ledger.fee_pool, ledger.loss_index, ledger.fee_pool_losses), (40, 0, 60));
    // 440 more: the pool's last 40, then 400 over 4,000 of collateral, 10% each.
    assert_eq!(place_loss(&mut ledger, 440), Ok(LossPlacement { fee_pool_paid: 40, socialized: 400, unplaced: 0 }));
    assert_eq!((ledger.fee_pool, ledger.loss_index, ledger.socialized_loss_due), (0, LOSS_INDEX_SCALE / 10, 400));
    assert_eq!(pending_socialized_loss(&ledger, &a), Ok(300));
    assert_eq!(with_socialized_loss(&ledger, &a).unwrap().collateral, 2_700, "views see it before the touch");
    // A newcomer owes nothing of a loss placed before it came.
    let mut c = funded(&mut ledger, 5_000);
    assert_eq!(pending_socialized_loss(&ledger, &c), Ok(0));
    assert_eq!(charge_socialized_loss(&mut ledger, &mut a), Ok(300));
    assert_eq!(charge_socialized_loss(&mut ledger, &mut a), Ok(0), "charged once");
    assert_eq!(charge_socialized_loss(&mut ledger, &mut b), Ok(100));
    assert_eq!(charge_socialized_loss(&mut ledger, &mut c), Ok(0));
    assert_eq!((a.collateral, b.collateral, c.collateral), (2_700, 900, 5_000));
    assert_eq!(ledger.total_collateral, 2_700 + 900 + 5_000);
    assert_eq!((ledger.socialized_losses, ledger.socialized_loss_due), (400, 0));
}

#[test]
fn socialized_shares_round_up_but_never_collect_more_than_the_loss() {
    let mut ledger = Ledger::default();
    let mut traders: Vec<Trader> = (0..3).map(|_| funded(&mut ledger, 1)).collect();
    assert_eq!(place_loss(&mut ledger, 1), Ok(LossPlacement { fee_pool_paid: 0, socialized: 1, unplaced: 0 }));
    // Each owes a third of a unit, rounded up to one; the first pays it and the loss is gone.
    let charged: Vec<u64> = traders.iter_mut().map(|t| charge_socialized_loss(&mut ledger, t).unwrap()).collect();
    assert_eq!(charged, [1, 0, 0]);
    assert_eq!((ledger.socialized_loss_due, ledger.total_collateral), (0, 2));
}

#[test]
fn a_loss_beyond_the_fee_pool_and_all_collateral_leaves_the_rest_unplaced() {
    let mut ledger = Ledger { fee_pool: 200, ..Ledger::default() };
    let mut a = funded(&mut ledger, 1_000);
    assert_eq!(
        place_loss(&mut ledger, 1_500),
        Ok(LossPlacement { fee_pool_paid: 200, socialized: 1_000, unplaced: 300 })
    );
    assert_eq!((ledger.loss_epoch, ledger.loss_index), (1, 0), "every unit lost: a new epoch");
    // A newcomer after it owes nothing of it; the old account loses all it had.
    let mut b = funded(&mut ledger, 300);
    assert_eq!(pending_socialized_loss(&ledger, &b), Ok(0));
    assert_eq!(charge_socialized_loss(&mut ledger, &mut a), Ok(1_000));
    assert_eq!(charge_socialized_loss(&mut ledger, &mut b), Ok(0));
    // With nothing left to bear it, a further loss stays unplaced and changes nothing.
    let mut empty = Ledger::default();
    assert_eq!(place_loss(&mut empty, 0), Ok(LossPlacement::default()));
    assert_eq!(place_loss(&mut empty, 50), Ok(LossPlacement { fee_pool_paid: 0, socialized: 0, unplaced: 50 }));
    assert_eq!(empty, Ledger::default());
}

#[test]
fn two_losses_between_touches_charge_each_account_its_exact_share() {
    // 300 over 1,000, then 300 over the 700 left: each of two equal accounts pays 300, whichever
    // is touched first (an additive index charged the first 365 and the second 235).
    let mut ledger = Ledger::default();
    let mut a = funded(&mut ledger, 500);
    let mut b = funded(&mut ledger, 500);
    place_loss(&mut ledger, 300).unwrap();
    place_loss(&mut ledger, 300).unwrap();
    assert_eq!(ledger.loss_index, LOSS_INDEX_SCALE / 10 * 6, "60% taken");
    assert_eq!(charge_socialized_loss(&mut ledger, &mut a), Ok(300));
    assert_eq!(charge_socialized_loss(&mut ledger, &mut b), Ok(300));
    // An account charged between the two pays the second on what the first left it.
    let mut ledger = Ledger::default();
    let mut a = funded(&mut ledger, 500);
    let mut b = funded(&mut ledger, 500);
    place_loss(&mut ledger, 300).unwrap();
    assert_eq!(charge_socialized_loss(&mut ledger, &mut a), Ok(150));
    place_loss(&mut ledger, 300).unwrap();
    assert_eq!(charge_socialized_loss(&mut ledger, &mut a), Ok(150));
    assert_eq!(charge_socialized_loss(&mut ledger, &mut b), Ok(300));
    assert_eq!((ledger.socialized_loss_due, ledger.total_collateral), (0, 400));
}

#[derive(Clone, Debug)]
enum LossOp {
    Deposit(usize, u64),
    Withdraw(usize, u64),
    Loss(u64),
    Touch(usize),
}

fn loss_op() -> impl Strategy<Value = LossOp> {
    prop_oneof![
        2 => (0usize..3, 1u64..5_000_000).prop_map(|(i, a)| LossOp::Deposit(i, a)),
        1 => (0usize..3, 1u64..5_000_000).prop_map(|(i, a)| LossOp::Withdraw(i, a)),
        2 => (1u64..3_000_000).prop_map(LossOp::Loss),
        2 => (0usize..3).prop_map(LossOp::Touch),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(crate::engine::test_market::proptest_cases(crate::engine::test_market::MONEY_CASES_LEDGER)))]
    /// Socialized losses against an exact model: whatever the interleaving of deposits,
    /// withdrawals, losses and touches, each account ends within a few units of its exact pro-rata
    /// balance (never above it: rounding goes against the trader), and once every account is
    /// touched exactly the socialized total has been collected.
    #[test]
    fn socialized_losses_charge_each_account_its_exact_share(ops in proptest::collection::vec(loss_op(), 1..60)) {
        let mut ledger = Ledger::default();
        let mut traders = [trader(0), trader(0), trader(0)];
        // Each account's exact balance (what it would hold if charged at once), in units x 1e12.
        const X: u128 = 1_000_000_000_000;
        let mut model = [0u128; 3];
        let mut losses = 0u64;
        for op in ops {
            match op {
                LossOp::Deposit(i, amount) => {
                    charge_socialized_loss(&mut ledger, &mut traders[i]).unwrap();
                    deposit(&mut ledger, &mut traders[i], amount).unwrap();
                    model[i] += u128::from(amount) * X;
                }
                LossOp::Withdraw(i, amount) => {
                    charge_socialized_loss(&mut ledger, &mut traders[i]).unwrap();
                    let amount = amount.min(traders[i].collateral);
                    if amount > 0 {
                        withdraw(&mut ledger, &mut traders[i], amount, u64::MAX).unwrap();
                        model[i] = model[i].saturating_sub(u128::from(amount) * X);
                    }
                }
                LossOp::Loss(amount) => {
                    let placed = place_loss(&mut ledger, amount).unwrap();
                    let total: u128 = model.iter().sum();
                    if placed.socialized > 0 && total > 0 {
                        let taken = u128::from(placed.socialized) * X;
                        for m in model.iter_mut() {
                            *m -= (*m * taken).div_ceil(total).min(*m);
                        }
                        losses += 1;
                    }
                }
                LossOp::Touch(i) => {
                    charge_socialized_loss(&mut ledger, &mut traders[i]).unwrap();
                }
            }
            let sum: u64 = traders.iter().map(|t| t.collateral).sum();
            prop_assert_eq!(ledger.total_collateral, sum);
            prop_assert!(ledger.socialized_loss_due <= ledger.total_collateral);
        }
        for (i, t) in traders.iter_mut().enumerate() {
            charge_socialized_loss(&mut ledger, t).unwrap();
            let exact = model[i] / X;
            // Rounding up per charge and the model's own rounding: within a unit per loss.
            let slack = losses + 2;
            prop_assert!(u128::from(t.collateral) <= exact + u128::from(slack), "account {i}: {} vs exact {exact}", t.collateral);
            prop_assert!(u128::from(t.collateral) + u128::from(slack) >= exact, "account {i}: {} vs exact {exact}", t.collateral);
        }
        prop_assert_eq!(ledger.socialized_loss_due, 0);
    }
}
