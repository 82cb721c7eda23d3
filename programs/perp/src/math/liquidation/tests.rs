use super::*;
use proptest::prelude::*;

#[test]
fn penalty_splits_and_rounds_toward_the_fund() {
    // 1% of 10,000.000001 quote: 100.00000001 -> 100.000001 (up); half to the fund, rounded up.
    let p = penalty(10_000_000_001, 10_000, 500_000, u64::MAX).unwrap();
    assert_eq!(p, PenaltySplit { total: 100_000_001, to_liquidator: 50_000_000, to_insurance: 50_000_001 });
    // Capped by equity: never a deficit.
    let p = penalty(10_000_000_000, 10_000, 500_000, 30_000_000).unwrap();
    assert_eq!(p, PenaltySplit { total: 30_000_000, to_liquidator: 15_000_000, to_insurance: 15_000_000 });
    assert_eq!(penalty(1_000, 10_000, 500_000, 0).unwrap(), PenaltySplit::default());
}

#[test]
fn transfer_price_is_the_oracle_less_the_liquidators_part() {
    // 1 BTC at 60,000 with a 1% penalty, half to the fund: the liquidator's 300 makes 59,700.
    assert_eq!(transfer_price(60_000_000_000, 1_000_000_000, 300_000_000, true).unwrap(), 59_700_000_000);
    assert_eq!(transfer_price(60_000_000_000, 1_000_000_000, 300_000_000, false).unwrap(), 60_300_000_000);
}

#[test]
fn gain_per_lot_is_maintenance_plus_buffer_less_penalty() {
    assert_eq!(margin_gain_per_lot(60_000_000, 250_000, 5_000, 10_000).unwrap(), 14_700_000);
    assert_eq!(margin_gain_per_lot(60_000_000, 10_000, 0, 20_000).unwrap(), 0);
}

proptest! {
    /// Whatever bounds the caller gives, the search finds the least lot count that passes.
    #[test]
    fn least_lots_finds_the_threshold(held in 1u64..10_000, threshold in 1u64..10_000, lo in 0u64..12_000, hi in 0u64..12_000) {
        let threshold = threshold.min(held);
        let found = least_lots(held, lo, hi, |x| Ok(x >= threshold)).unwrap();
        prop_assert_eq!(found, threshold);
    }
}
