//! Where the oracle crank's prices come from: the scenario's `price` steps (`FixedPrices`), a
//! price-path file (`PricePath`), or any other `PriceSource`.
use std::collections::HashMap;
use std::str::FromStr;

use rust_decimal::Decimal;

use crate::units;

/// A price to publish: 1e6 quote per base, its confidence (1e6), and how far its publish time
/// lags the clock (seconds; 0 for a fresh price).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PriceQuote {
    pub price: u64,
    pub conf: u64,
    pub age: i64,
}

/// A source of prices by market symbol.
pub trait PriceSource: Send {
    /// The price of `symbol` at clock time `now`, `None` when the source has none.
    fn quote(&mut self, symbol: &str, now: i64) -> Option<PriceQuote>;
}

/// Prices set by hand (the scenario's `price` steps), shared with whoever sets them: each holds
/// until it is set again.
#[derive(Clone, Debug, Default)]
pub struct FixedPrices(pub std::sync::Arc<std::sync::Mutex<HashMap<String, PriceQuote>>>);

impl FixedPrices {
    pub fn set(&self, symbol: &str, quote: PriceQuote) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).insert(symbol.to_string(), quote);
    }
}

impl PriceSource for FixedPrices {
    fn quote(&mut self, symbol: &str, _now: i64) -> Option<PriceQuote> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).get(symbol).copied()
    }
}

/// A price path: points `(time, price)` per symbol, linearly interpolated between points (in
/// integers, rounded down to 1e-6), flat before the first and after the last.
///
/// File format, one point per line (`#` starts a comment), times in seconds from the path's
/// start (the keeper's start, or the scenario's `start_time`):
/// ```text
/// # seconds  symbol    price
/// 0          BTC-PERP  90000
/// 600        BTC-PERP  67500
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PricePath {
    pub start: i64,
    pub points: HashMap<String, Vec<(i64, u64)>>,
}

impl PricePath {
    /// Parses a path file; an error names the line.
    pub fn parse(text: &str, start: i64) -> anyhow::Result<Self> {
        let mut points: HashMap<String, Vec<(i64, u64)>> = HashMap::new();
        for (index, line) in text.lines().enumerate() {
            let line_no = index + 1;
            let content = line.split('#').next().unwrap_or("").trim();
            if content.is_empty() {
                continue;
            }
            let fields: Vec<&str> = content.split_whitespace().collect();
            let [secs, symbol, price] = fields[..] else {
                anyhow::bail!("line {line_no}: expected `seconds symbol price`, found {content:?}");
            };
            let secs: i64 =
                secs.parse().map_err(|_| anyhow::anyhow!("line {line_no}: {secs:?} is not whole seconds"))?;
            let price =
                Decimal::from_str(price).map_err(|_| anyhow::anyhow!("line {line_no}: {price:?} is not a number"))?;
            let price = units::price_units(price, "price").map_err(|e| anyhow::anyhow!("line {line_no}: {e}"))?;
            anyhow::ensure!(price > 0, "line {line_no}: the price must be positive");
            let series = points.entry(symbol.to_string()).or_default();
            if let Some((last, _)) = series.last() {
                anyhow::ensure!(secs > *last, "line {line_no}: times of {symbol} must increase");
            }
            series.push((secs, price));
        }
        Ok(Self { start, points })
    }

    pub fn load(path: &std::path::Path, start: i64) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        Self::parse(&text, start).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    }

    /// The path's price of `symbol` at `now`.
    pub fn price_at(&self, symbol: &str, now: i64) -> Option<u64> {
        let series = self.points.get(symbol)?;
        let t = now - self.start;
        let after = series.iter().position(|(secs, _)| *secs > t);
        Some(match after {
            None => series.last()?.1,
            Some(0) => series[0].1,
            Some(i) => {
                let ((t0, p0), (t1, p1)) = (series[i - 1], series[i]);
                let (p0, p1) = (i128::from(p0), i128::from(p1));
                let moved = (p1 - p0) * i128::from(t - t0) / i128::from(t1 - t0);
                u64::try_from(p0 + moved).ok()?
            }
        })
    }
}

impl PriceSource for PricePath {
    fn quote(&mut self, symbol: &str, now: i64) -> Option<PriceQuote> {
        Some(PriceQuote { price: self.price_at(symbol, now)?, conf: 0, age: 0 })
    }
}

#[cfg(test)]
mod tests;
