use super::*;

#[test]
fn defaults_are_valid_and_each_bound_is_enforced_at_its_edge() {
    let ok = ExchangeParams::default();
    assert_eq!(ok.validate(), Ok(()));
    let edge = ExchangeParams {
        taker_fee_ppm: MAX_FEE_PPM,
        maker_fee_ppm: MAX_FEE_PPM,
        fee_insurance_share_ppm: 1_000_000,
        liquidation_penalty_ppm: MAX_LIQUIDATION_PENALTY_PPM,
        liquidation_insurance_share_ppm: 1_000_000,
    };
    assert_eq!(edge.validate(), Ok(()));
    let over = |f: fn(&mut ExchangeParams)| {
        let mut p = edge;
        f(&mut p);
        p.validate()
    };
    assert_eq!(over(|p| p.taker_fee_ppm += 1), Err(PerpError::FeeTooHigh));
    assert_eq!(over(|p| p.maker_fee_ppm += 1), Err(PerpError::FeeTooHigh));
    assert_eq!(over(|p| p.taker_fee_ppm -= 1), Err(PerpError::MakerFeeAboveTaker));
    assert_eq!(over(|p| p.fee_insurance_share_ppm += 1), Err(PerpError::ShareTooHigh));
    assert_eq!(over(|p| p.liquidation_insurance_share_ppm += 1), Err(PerpError::ShareTooHigh));
    assert_eq!(over(|p| p.liquidation_penalty_ppm += 1), Err(PerpError::InvalidLiquidationPenalty));
    assert_eq!(over(|p| p.liquidation_penalty_ppm = 0), Err(PerpError::InvalidLiquidationPenalty));
}
