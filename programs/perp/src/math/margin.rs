//! Tiered margin brackets in Binance's form: each notional band has its own initial and
//! maintenance ratio plus a derived "amount" that makes the requirement continuous across band
//! edges. Requirement in band i = `notional x ratio_i / 1e6 - amount_i`, rounded up.

use crate::error::{PerpError, PerpResult};
use crate::math::fixed::{mul_div_u64, Rounding, PPM, QUOTE_PRECISION};
use crate::math::safe::{cast, SafeMath};

/// Most bands a market's bracket table can hold.
pub const MAX_BRACKETS: usize = 8;

/// Lowest accepted initial margin ratio in ppm (1%, i.e. at most 100x leverage).
const MIN_INITIAL_PPM: u32 = 10_000;
/// Highest accepted initial margin ratio in ppm (100%).
const MAX_INITIAL_PPM: u32 = 1_000_000;

/// What an admin gives for one band (instruction argument).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    anchor_lang::AnchorSerialize,
    anchor_lang::AnchorDeserialize,
    anchor_lang::InitSpace,
)]
pub struct BracketParams {
    /// Inclusive upper notional of the band, in collateral token units. Every band but the last
    /// must be a positive whole number of quote units; `u64::MAX` means unbounded.
    pub max_notional: u64,
    /// Initial margin ratio in ppm, 10,000..=1,000,000.
    pub initial_ppm: u32,
    /// Maintenance margin ratio in ppm, positive and below `initial_ppm`.
    pub maintenance_ppm: u32,
}

/// A band as stored, with its derived amounts (token units).
#[anchor_lang::zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Bracket {
    /// Inclusive upper notional of the band, in collateral token units.
    pub max_notional: u64,
    /// Amount subtracted from `notional x initial_ppm / 1e6` in this band.
    pub initial_amount: u64,
    /// Amount subtracted from `notional x maintenance_ppm / 1e6` in this band (Binance's
    /// "maintenance amount").
    pub maintenance_amount: u64,
    /// Initial margin ratio in ppm.
    pub initial_ppm: u32,
    /// Maintenance margin ratio in ppm.
    pub maintenance_ppm: u32,
}
const _: () = assert!(core::mem::size_of::<Bracket>() == 32);

/// The market's bracket table: `count` active bands at the front of `bands`, the rest zeroed.
#[anchor_lang::zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct MarginBrackets {
    /// The bands, lowest notional first; only the first `count` are meaningful.
    pub bands: [Bracket; MAX_BRACKETS],
    /// Number of active bands, 1..=`MAX_BRACKETS`.
    pub count: u64,
}

impl MarginBrackets {
    /// Validates `params` and derives every band's amounts.
    ///
    /// Errors: `InvalidMarginBrackets` for 0 or more than 8 bands, a zero cap, caps that do not
    /// strictly increase, a cap other than the last that is not a whole number of quote units, or
    /// a ratio that decreases from one band to the next; `InitialMarginOutOfRange` for an initial
    /// ratio outside 10,000..=1,000,000 ppm; `MaintenanceNotBelowInitial` for a maintenance ratio
    /// that is zero or not below its band's initial ratio.
    pub fn new(params: &[BracketParams]) -> PerpResult<Self> {
        if params.is_empty() || params.len() > MAX_BRACKETS {
            return Err(PerpError::InvalidMarginBrackets);
        }
        let mut table = Self { count: cast(params.len())?, ..Self::default() };
        let last = params.len().saturating_sub(1);
        let mut previous: Option<Bracket> = None;
        for (index, (slot, band)) in table.bands.iter_mut().zip(params).enumerate() {
            let is_last = index == last;
            if band.max_notional == 0 || (!is_last && band.max_notional.checked_rem(QUOTE_PRECISION) != Some(0)) {
                return Err(PerpError::InvalidMarginBrackets);
            }
            if !(MIN_INITIAL_PPM..=MAX_INITIAL_PPM).contains(&band.initial_ppm) {
                return Err(PerpError::InitialMarginOutOfRange);
            }
            if band.maintenance_ppm == 0 || band.maintenance_ppm >= band.initial_ppm {
                return Err(PerpError::MaintenanceNotBelowInitial);
            }
            let (initial_amount, maintenance_amount) = match previous {
                None => (0, 0),
                Some(below) => {
                    if band.max_notional <= below.max_notional
                        || band.initial_ppm < below.initial_ppm
                        || band.maintenance_ppm < below.maintenance_ppm
                    {
                        return Err(PerpError::InvalidMarginBrackets);
                    }
                    (
                        next_amount(below.initial_amount, below.max_notional, below.initial_ppm, band.initial_ppm)?,
                        next_amount(
                            below.maintenance_amount,
                            below.max_notional,
                            below.maintenance_ppm,
                            band.maintenance_ppm,
                        )?,
                    )
                }
            };
            *slot = Bracket {
                max_notional: band.max_notional,
                initial_amount,
                maintenance_amount,
                initial_ppm: band.initial_ppm,
                maintenance_ppm: band.maintenance_ppm,
            };
            previous = Some(*slot);
        }
        Ok(table)
    }

    /// A table of one unbounded band (cap `u64::MAX`) with the given ratios.
    pub fn single(initial_ppm: u32, maintenance_ppm: u32) -> PerpResult<Self> {
        Self::new(&[BracketParams { max_notional: u64::MAX, initial_ppm, maintenance_ppm }])
    }

    /// The band `notional` falls in: the first whose cap is at least `notional`, else the last.
    /// `InvalidMarginBrackets` when `count` is not 1..=8.
    pub fn band(&self, notional: u64) -> PerpResult<&Bracket> {
        let active = self.active()?;
        active
            .iter()
            .find(|band| notional <= band.max_notional)
            .or(active.last())
            .ok_or(PerpError::InvalidMarginBrackets)
    }

    /// Maintenance margin for a position of `notional` token units, in token units, rounded up.
    pub fn maintenance_requirement(&self, notional: u64) -> PerpResult<u64> {
        let band = self.band(notional)?;
        requirement(notional, band.maintenance_ppm, band.maintenance_amount)
    }

    /// Initial margin for a position of `notional` token units, in token units, rounded up.
    pub fn initial_requirement(&self, notional: u64) -> PerpResult<u64> {
        let band = self.band(notional)?;
        requirement(notional, band.initial_ppm, band.initial_amount)
    }

    /// The lowest initial ratio of the table (band 0's, since ratios never decrease).
    pub fn lowest_initial_ppm(&self) -> u32 {
        self.bands[0].initial_ppm
    }

    /// The smallest initial-minus-maintenance ratio over the active bands.
    pub fn smallest_margin_gap_ppm(&self) -> u32 {
        let active = self.active().unwrap_or(&[]);
        active.iter().map(|b| b.initial_ppm.saturating_sub(b.maintenance_ppm)).min().unwrap_or(0)
    }

    /// The lowest maintenance ratio of the table (band 0's, since ratios never decrease).
    pub fn lowest_maintenance_ppm(&self) -> u32 {
        self.bands[0].maintenance_ppm
    }

    /// The highest maintenance ratio of the table (the last active band's).
    pub fn highest_maintenance_ppm(&self) -> u32 {
        self.active().ok().and_then(|bands| bands.last()).map_or(0, |b| b.maintenance_ppm)
    }

    /// The active bands, or `InvalidMarginBrackets` when `count` is not 1..=8.
    fn active(&self) -> PerpResult<&[Bracket]> {
        match usize::try_from(self.count) {
            Ok(count @ 1..=MAX_BRACKETS) => self.bands.get(..count).ok_or(PerpError::InvalidMarginBrackets),
            _ => Err(PerpError::InvalidMarginBrackets),
        }
    }
}

/// `amount_i = amount_{i-1} + cap_{i-1} x (ratio_i - ratio_{i-1}) / 1e6`. Exact when the cap below
/// is a whole number of quote units; rounded down otherwise (a smaller amount means a larger
/// requirement, against the trader).
fn next_amount(below_amount: u64, below_cap: u64, below_ppm: u32, ppm: u32) -> PerpResult<u64> {
    let step = ppm.safe_sub(below_ppm)?;
    below_amount.safe_add(mul_div_u64(below_cap, u64::from(step), PPM, Rounding::Down)?)
}

/// `ceil((notional x ratio_ppm - amount x 1e6) / 1e6)`, computed in u128.
fn requirement(notional: u64, ratio_ppm: u32, amount: u64) -> PerpResult<u64> {
    let ppm = u128::from(PPM);
    let scaled = u128::from(notional).safe_mul(u128::from(ratio_ppm))?.safe_sub(u128::from(amount).safe_mul(ppm)?)?;
    let quotient = scaled.safe_div(ppm)?;
    let rounded = if scaled.checked_rem(ppm) == Some(0) { quotient } else { quotient.safe_add(1)? };
    cast(rounded)
}

#[cfg(test)]
mod tests;
