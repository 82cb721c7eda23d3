//! Admin changes to a live market. A change that can hurt open positions goes behind the
//! timelock (announced, applied after a delay of at least a day, events at each step); a change
//! that only reduces traders' risk applies at once. The rule per parameter (old -> new):
//!
//! | parameter | at once | timelocked |
//! |---|---|---|
//! | oracle (kind or account/feed), oracle max age, oracle confidence bound | - | any change |
//! | margin brackets | - | any change (lower margin lets others take risk whose losses reach you through ADL) |
//! | price band, fill band, funding interval, funding interest, impact notional | - | any change |
//! | taker fee, maker fee, liquidation penalty, liquidation buffer, funding cap | lower | higher |
//! | minimum order, seat deposit, open-interest cap | lower | higher |
//! | insurance shares (fees, penalties), insurance cap per event (0: none) | higher | lower |
//! | status (active / reduce-only) | either way | - |
use crate::engine::funding::funding_due;
use crate::error::{PerpError, PerpResult};
use crate::math::funding::{capped_funding_per_lot, interval_start, MIN_CAPPED_FUNDING_PER_LOT};
use crate::state::{MarketConfig, MarketHeader, MarketStatus};

/// One parameter of a market change: its name, whether `config` changes it from `header`, and
/// whether that change needs the timelock (it can hurt open positions).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParameterChange {
    pub name: &'static str,
    pub changed: bool,
    pub timelocked: bool,
}

/// Every parameter `config` may change from `header`, with the rule table above applied. `config`
/// must be valid. The client's views read the same table (what an announcement changes).
pub fn parameter_changes(header: &MarketHeader, config: &MarketConfig) -> PerpResult<[ParameterChange; 20]> {
    let h = header;
    let brackets_changed = brackets_change(h, config)?;
    let cap = |c: u64| if c == 0 { u64::MAX } else { c };
    // (name, old != new, the direction that hurts)
    let any = |name, changed| ParameterChange { name, changed, timelocked: changed };
    let up = |name, old: u64, new: u64| ParameterChange { name, changed: old != new, timelocked: new > old };
    let down = |name, old: u64, new: u64| ParameterChange { name, changed: old != new, timelocked: new < old };
    let fee = |name, old: u32, new: u32| up(name, old.into(), new.into());
    Ok([
        any("oracle", (config.oracle_kind as u8, config.oracle) != (h.oracle_kind, h.oracle)),
        any("oracle_max_age_secs", config.oracle_max_age_secs != h.oracle_max_age_secs),
        any("oracle_max_conf_ppm", config.oracle_max_conf_ppm != h.oracle_max_conf_ppm),
        any("brackets", brackets_changed),
        any("price_band_ppm", config.price_band_ppm != h.price_band_ppm),
        any("fill_band_ppm", config.fill_band_ppm != h.fill_band_ppm),
        any("funding_interval_secs", config.funding_interval_secs != h.funding_interval_secs),
        any("funding_interest_8h", config.funding_interest_8h != h.funding_interest_8h),
        any("funding_impact_notional", config.funding_impact_notional != h.funding_impact_notional),
        fee("taker_fee_ppm", h.taker_fee_ppm, config.taker_fee_ppm),
        fee("maker_fee_ppm", h.maker_fee_ppm, config.maker_fee_ppm),
        fee("liquidation_penalty_ppm", h.liquidation_penalty_ppm, config.liquidation_penalty_ppm),
        fee("liquidation_buffer_ppm", h.liquidation_buffer_ppm, config.liquidation_buffer_ppm),
        up("funding_cap", h.funding_cap.unsigned_abs(), config.funding_cap.unsigned_abs()),
        up("min_order_notional", h.min_order_notional, config.min_order_notional),
        up("seat_deposit", h.seat_deposit, config.seat_deposit),
        up("max_open_interest_lots", h.max_open_interest_lots, config.max_open_interest_lots),
        down("fee_insurance_share_ppm", h.fee_insurance_share_ppm.into(), config.fee_insurance_share_ppm.into()),
        down(
            "liquidation_insurance_share_ppm",
            h.liquidation_insurance_share_ppm.into(),
            config.liquidation_insurance_share_ppm.into(),
        ),
        down("insurance_cap_per_event", cap(h.insurance_cap_per_event), cap(config.insurance_cap_per_event)),
    ])
}

/// Whether `config`'s brackets differ from the market's (validating them: the derived table is
/// compared). Out of line: the table stays off `parameter_changes`' frame.
#[inline(never)]
fn brackets_change(header: &MarketHeader, config: &MarketConfig) -> PerpResult<bool> {
    Ok(config.validate()? != header.brackets)
}

/// The first parameter whose change from `header` to `config` needs the timelock (its name, for
/// the log), `None` when every change only reduces traders' risk. `config` must be valid.
pub fn timelocked_change(header: &MarketHeader, config: &MarketConfig) -> PerpResult<Option<&'static str>> {
    Ok(parameter_changes(header, config)?.iter().find(|p| p.timelocked).map(|p| p.name))
}

/// A lot at the market's cached oracle price pays at least `MIN_CAPPED_FUNDING_PER_LOT` at the
/// funding cap, so the index's rounding (under a unit per lot and interval) stays within 1% of the
/// cap. Checked at creation (on the oracle's first price) and on every change of parameters.
pub fn require_funding_precision(header: &MarketHeader) -> PerpResult<()> {
    let per_lot = capped_funding_per_lot(header.funding_cap, header.lot_size, header.oracle_price)?;
    crate::validate!(
        per_lot >= MIN_CAPPED_FUNDING_PER_LOT,
        PerpError::LotTooSmallForFunding,
        "a lot pays {} at the cap at price {} (at least {})",
        per_lot,
        header.oracle_price,
        MIN_CAPPED_FUNDING_PER_LOT
    );
    Ok(())
}

/// Writes `config` (range-checked again) and `status` into the market at clock time `now`. A new
/// funding interval takes effect at once: the current interval is re-aligned to the new length
/// (its samples kept), so the next boundary is the new interval's next UTC-aligned one; refused
/// while an interval is due (`FundingDue`: crank `update_funding` first). A new oracle has its
/// own clock: the cached publish time is reset so it cannot hold the new oracle back.
pub fn apply_market_config(
    header: &mut MarketHeader,
    config: &MarketConfig,
    status: MarketStatus,
    now: i64,
) -> PerpResult<()> {
    let old_interval = header.funding_interval_secs;
    if config.funding_interval_secs != old_interval && funding_due(header, now)? {
        // The due interval is applied at the old length first (update_funding), never merged.
        return Err(PerpError::FundingDue);
    }
    let old_oracle = (header.oracle_kind, header.oracle);
    config.apply(header)?;
    if (header.oracle_kind, header.oracle) != old_oracle {
        header.oracle_publish_time = 0;
    }
    if header.funding_interval_secs != old_interval {
        header.funding_interval_start = interval_start(now, header.funding_interval_secs)?;
    }
    header.status = status as u8;
    if header.oracle_price != 0 {
        require_funding_precision(header)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
