//! Human units, exactly: quote, base, prices and ratios as `rust_decimal::Decimal`, converted to
//! and from the program's fixed-point integers without floats. A value with more decimals than
//! the precision holds is an error, never rounded.
use perp::math::{BASE_PRECISION, FUNDING_RATE_PRECISION, PPM, PRICE_PRECISION, QUOTE_PRECISION};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

/// `units` at `precision` units per whole as a decimal (trailing zeros dropped).
pub fn decimal(units: i128, precision: u64) -> Decimal {
    let scale = precision.ilog10();
    Decimal::from_i128_with_scale(units, scale).normalize()
}

/// Token units as quote.
pub fn quote(units: i64) -> Decimal {
    decimal(units.into(), QUOTE_PRECISION)
}

/// Unsigned token units as quote.
pub fn quote_u(units: u64) -> Decimal {
    decimal(units.into(), QUOTE_PRECISION)
}

/// A price at 1e6 as quote per base.
pub fn price(units: u64) -> Decimal {
    decimal(units.into(), PRICE_PRECISION)
}

/// Lots of `lot_size` (base at 1e9) as base.
pub fn base(lots: i64, lot_size: u64) -> Decimal {
    decimal(i128::from(lots) * i128::from(lot_size), BASE_PRECISION)
}

/// A funding rate at 1e9 as a fraction.
pub fn rate(units: i64) -> Decimal {
    decimal(units.into(), FUNDING_RATE_PRECISION)
}

/// A ratio in ppm as a fraction.
pub fn ratio(ppm: u64) -> Decimal {
    decimal(ppm.into(), PPM)
}

/// `value` at `precision` units per whole, exactly; `what` names it in the error.
pub fn to_units(value: Decimal, precision: u64, what: &str) -> anyhow::Result<u64> {
    anyhow::ensure!(value.is_sign_positive() || value.is_zero(), "{what} = {value} must not be negative");
    let scaled =
        value.checked_mul(Decimal::from(precision)).ok_or_else(|| anyhow::anyhow!("{what} = {value} is too large"))?;
    anyhow::ensure!(scaled.fract().is_zero(), "{what} = {value} has more than {} decimal places", precision.ilog10());
    scaled.to_u64().ok_or_else(|| anyhow::anyhow!("{what} = {value} is too large"))
}

/// Token units of a quote amount.
pub fn quote_units(value: Decimal, what: &str) -> anyhow::Result<u64> {
    to_units(value, QUOTE_PRECISION, what)
}

/// A price (1e6) of a quote-per-base amount.
pub fn price_units(value: Decimal, what: &str) -> anyhow::Result<u64> {
    to_units(value, PRICE_PRECISION, what)
}

/// A fraction in ppm (0.05 = 50,000).
pub fn ppm_units(value: Decimal, what: &str) -> anyhow::Result<u32> {
    u32::try_from(to_units(value, PPM, what)?).map_err(|_| anyhow::anyhow!("{what} = {value} is too large"))
}

/// A fraction at the funding-rate precision (1e9).
pub fn rate_units(value: Decimal, what: &str) -> anyhow::Result<i64> {
    i64::try_from(to_units(value, FUNDING_RATE_PRECISION, what)?)
        .map_err(|_| anyhow::anyhow!("{what} = {value} is too large"))
}

/// A size in base as whole lots of `lot_size`; a size off the lot size is an error.
pub fn lots(value: Decimal, lot_size: u64, what: &str) -> anyhow::Result<u64> {
    let base = to_units(value, BASE_PRECISION, what)?;
    anyhow::ensure!(
        base % lot_size == 0,
        "{what} = {value} is not a multiple of the lot size {}",
        decimal(lot_size.into(), BASE_PRECISION)
    );
    Ok(base / lot_size)
}

/// Decimal text for reports: no exponent, no trailing zeros.
pub fn text(value: Decimal) -> String {
    value.normalize().to_string()
}

#[cfg(test)]
mod tests;
