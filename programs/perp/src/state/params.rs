use anchor_lang::prelude::*;

use crate::error::{PerpError, PerpResult};
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
    pub fn validate(&self) -> PerpResult<()> {
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
mod tests;
