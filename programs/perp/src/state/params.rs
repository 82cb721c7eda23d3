use anchor_lang::prelude::*;

use crate::error::PerpError;
use crate::math::PPM;

/// Highest trading fee a market may charge: 1%.
pub const MAX_FEE_PPM: u32 = 10_000;
/// Highest liquidation penalty: 5% (it must also stay below every maintenance ratio).
pub const MAX_LIQUIDATION_PENALTY_PPM: u32 = 50_000;

/// Exchange-wide defaults that new markets start from.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, InitSpace, Debug, PartialEq, Eq)]
pub struct ExchangeParams {
    pub taker_fee_ppm: u32,
    pub maker_fee_ppm: u32,
    /// Share of trading fees that goes to the insurance fund (the rest to the fee pool).
    pub fee_insurance_share_ppm: u32,
    /// Liquidation penalty, of the notional taken over.
    pub liquidation_penalty_ppm: u32,
    /// Share of the liquidation penalty that goes to the insurance fund (the rest to the liquidator).
    pub liquidation_insurance_share_ppm: u32,
}

impl Default for ExchangeParams {
    /// 5 bps taker, 2 bps maker, 1% liquidation penalty split half to the insurance fund.
    fn default() -> Self {
        Self {
            taker_fee_ppm: 500,
            maker_fee_ppm: 200,
            fee_insurance_share_ppm: 0,
            liquidation_penalty_ppm: 10_000,
            liquidation_insurance_share_ppm: 500_000,
        }
    }
}

impl ExchangeParams {
    /// Range checks; the first violated rule is the error.
    pub fn validate(&self) -> core::result::Result<(), PerpError> {
        if self.taker_fee_ppm > MAX_FEE_PPM || self.maker_fee_ppm > MAX_FEE_PPM {
            return Err(PerpError::FeeTooHigh);
        }
        if self.maker_fee_ppm > self.taker_fee_ppm {
            return Err(PerpError::MakerFeeAboveTaker);
        }
        let ppm = PPM as u32;
        if self.fee_insurance_share_ppm > ppm || self.liquidation_insurance_share_ppm > ppm {
            return Err(PerpError::ShareTooHigh);
        }
        if self.liquidation_penalty_ppm == 0 || self.liquidation_penalty_ppm > MAX_LIQUIDATION_PENALTY_PPM {
            return Err(PerpError::InvalidLiquidationPenalty);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
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
}
