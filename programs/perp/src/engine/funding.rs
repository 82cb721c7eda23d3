//! Funding on a market account: premium samples from the book's impact prices, the capped rate
//! at each UTC-aligned interval boundary, the cumulative indices, and lazy settlement of seats
//! against them.
//!
//! Zero-sum bookkeeping: at a boundary the long index moves by what one long lot pays (rounded
//! up) and the short index by what one short lot receives (rounded down); the difference times
//! the open interest is the dust, which goes to the insurance fund at once. A seat settling
//! moves its owed funding from its unsettled quote into `funding_settled_net`, so at every moment
//! `funding_settled_net + sum over seats of pending funding == 0` (tested), and the market's cash
//! on the books does not move.
use crate::error::PerpResult;
use crate::math::fixed::apply_ppm;
use crate::math::fixed::Rounding;
use crate::math::fixed::BASE_PRECISION;
use crate::math::funding::{
    average_premium, funding_owed, funding_rate, index_deltas, interest_per_interval, interval_start, premium,
};
use crate::math::safe::{cast, SafeMath};
use crate::state::book::{BookSide, Side};
use crate::state::market::{MarketHeader, MarketView, Seat};

pub use crate::math::funding::MAX_IMPACT_ORDERS;

/// What one funding update did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FundingUpdate {
    /// Seconds since the last sample (up to the interval's end) and the premium (1e9) that
    /// accrued over them: the one the book showed at the last sample.
    pub sample_secs: i64,
    pub accrued_premium: i64,
    /// The premium the book shows now (accrues from now on) and the impact prices behind it
    /// (the oracle for a thin side).
    pub premium: i64,
    pub impact_bid: u64,
    pub impact_ask: u64,
    /// Set when an interval ended and its rate was applied.
    pub applied: Option<AppliedFunding>,
}

/// A rate applied at an interval boundary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AppliedFunding {
    /// Start of the interval that ended.
    pub interval_start: i64,
    /// Boundaries that passed unapplied after it (a keeper outage): charged nothing.
    pub skipped_intervals: i64,
    pub average_premium: i64,
    pub rate: i64,
    pub oracle_price: u64,
    /// Index moves per lot, token units: what a long lot pays and a short lot receives.
    pub long_index_delta: i64,
    pub short_index_delta: i64,
    pub open_interest_lots: u64,
    /// Rounding dust to the insurance fund, token units.
    pub dust: u64,
}

/// The impact price of one side: the average price of filling `impact_notional` against its
/// orders within the fill band (the only ones a taker could hit now), best first. `None` when
/// the side is empty or thin: its first [`MAX_IMPACT_ORDERS`] orders in the band do not reach
/// the impact notional. A thin side's premium term is zero (impact price = oracle).
///
/// The average is notional / base with the base at 1e18 precision (the last, partial order's
/// base rounded up) and the quotient rounded to nearest, so a single price level gives exactly
/// its price.
pub fn impact_price(book: &BookSide, lot_size: u64, band: (u64, u64), impact_notional: u64) -> PerpResult<Option<u64>> {
    const SCALE: u128 = 1_000_000_000_000_000_000;
    let (low, high) = band;
    let mut notional_left = impact_notional;
    // Whole orders taken so far, base at 1e9 (u64 arithmetic: cheap on chain).
    let mut base_full: u64 = 0;
    // Start at the band's near edge (bids above it and asks below it cannot fill now and do not
    // use up the walk); stop at its far edge.
    let (near_edge, far_edge) = match book.side {
        Side::Bid => (high, low),
        Side::Ask => (low, high),
    };
    for index in book.iter_from(near_edge).take(MAX_IMPACT_ORDERS) {
        let order = book.get(index)?;
        let past_far_edge = match book.side {
            Side::Bid => order.price < far_edge,
            Side::Ask => order.price > far_edge,
        };
        if past_far_edge {
            break;
        }
        // Base (1e9) and its value: exact, an order's price is on the tick.
        let base = order.base_lots.safe_mul(lot_size)?;
        let order_notional = match base.checked_mul(order.price) {
            Some(product) => product / BASE_PRECISION,
            None => cast(u128::from(base).safe_mul(u128::from(order.price))? / u128::from(BASE_PRECISION))?,
        };
        if order_notional < notional_left {
            notional_left = notional_left.safe_sub(order_notional)?;
            base_full = base_full.safe_add(base)?;
            continue;
        }
        // The part of this order that completes the impact notional, base at 1e18 rounded up.
        let price = u128::from(order.price);
        let part = u128::from(notional_left).safe_mul(SCALE)?.safe_add(price.safe_sub(1)?)?.safe_div(price)?;
        let base_scaled = u128::from(base_full).safe_mul(SCALE / u128::from(BASE_PRECISION))?.safe_add(part)?;
        let numerator = u128::from(impact_notional).safe_mul(SCALE)?.safe_add(base_scaled / 2)?;
        return cast(numerator.safe_div(base_scaled)?).map(Some);
    }
    Ok(None)
}

/// The fill band around the cached oracle price, boundaries included.
pub fn fill_band(header: &MarketHeader) -> PerpResult<(u64, u64)> {
    let oracle = header.oracle_price;
    let width = apply_ppm(oracle, u64::from(header.fill_band_ppm), Rounding::Down)?;
    Ok((oracle.saturating_sub(width), oracle.safe_add(width)?))
}

/// The premium of the book now over the cached oracle price, with the impact prices used.
pub fn current_premium(market: &MarketView) -> PerpResult<(i64, u64, u64)> {
    let header = &*market.header;
    let oracle = header.oracle_price;
    let band = fill_band(header)?;
    let notional = header.funding_impact_notional;
    let bid = impact_price(&market.book(Side::Bid), header.lot_size, band, notional)?.unwrap_or(oracle);
    let ask = impact_price(&market.book(Side::Ask), header.lot_size, band, notional)?.unwrap_or(oracle);
    Ok((premium(bid, ask, oracle)?, bid, ask))
}

/// The rate the current interval would get if it ended now (the predicted rate).
pub fn predicted_rate(header: &MarketHeader) -> PerpResult<i64> {
    let average = average_premium(header.funding_premium_time_sum, header.funding_sampled_secs)?;
    let interest = interest_per_interval(header.funding_interest_8h, header.funding_interval_secs)?;
    funding_rate(average, interest, header.funding_cap)
}

/// Whether the current funding interval has ended at `now` (an update would apply its rate).
pub fn funding_due(header: &MarketHeader, now: i64) -> PerpResult<bool> {
    Ok(now >= header.funding_interval_start.safe_add(i64::from(header.funding_interval_secs))?)
}

/// A premium sample at `now`: the premium of the last sample accrues for the seconds since it
/// (up to the end of the current interval); when the interval has ended its rate is applied to
/// the indices; then the book is read and its premium accrues from now on. Needs the oracle
/// price cached for this instruction. Running it twice at the same `now` on the same book
/// changes nothing the second time.
///
/// Time weighting: each sample's premium counts for the time until the next sample, so an order
/// placed just before a sample and pulled just after weighs nothing; to move funding, a quote
/// has to rest (where takers can hit it) for the time it is to count.
///
/// Catch-up rule: when several boundaries have passed, one capped interval is applied, once,
/// and the interval containing `now` starts fresh, accruing from `now` (the stale reading is not
/// carried into it). A keeper outage never charges many intervals at once.
pub fn update_funding(market: &mut MarketView, now: i64) -> PerpResult<FundingUpdate> {
    let accrued_premium = market.header.funding_last_premium;
    let (sample_secs, applied) = accrue(market.header, now)?;
    let (premium, impact_bid, impact_ask) = current_premium(market)?;
    market.header.funding_last_premium = premium;
    Ok(FundingUpdate { sample_secs, accrued_premium, premium, impact_bid, impact_ask, applied })
}

/// The part of [`update_funding`] that does not read the book: the last sample's premium accrues
/// up to `now` and a due interval is applied. Trading and withdrawals run this when an interval
/// is due (cheap whatever the book holds); reading the book is the crank's job. Returns the
/// seconds accrued in the interval that was current, and the applied interval if any.
pub fn accrue(header: &mut MarketHeader, now: i64) -> PerpResult<(i64, Option<AppliedFunding>)> {
    let premium = header.funding_last_premium;
    let (sample_secs, interval_end) = accrue_reading(header, now)?;
    if now < interval_end {
        return Ok((sample_secs, None));
    }
    let applied = apply_interval(header, now, interval_end)?;
    let new_start = interval_start(now, header.funding_interval_secs)?;
    header.funding_interval_start = new_start;
    header.funding_premium_time_sum = 0;
    header.funding_sampled_secs = 0;
    if applied.skipped_intervals == 0 {
        // The boundary just passed: the last premium held on into the new interval.
        header.funding_last_sample_time = new_start;
        add_sample(header, premium, now.safe_sub(new_start)?, now)?;
    } else {
        // After an outage the old reading says nothing about now: the interval accrues from now.
        header.funding_last_sample_time = now;
    }
    Ok((sample_secs, Some(applied)))
}

/// The last reading accrues for the seconds since it, up to `now` or the interval's end.
/// Returns those seconds and the interval's end.
fn accrue_reading(header: &mut MarketHeader, now: i64) -> PerpResult<(i64, i64)> {
    let interval_end = header.funding_interval_start.safe_add(i64::from(header.funding_interval_secs))?;
    let sample_end = now.min(interval_end);
    let sample_secs = sample_end.safe_sub(header.funding_last_sample_time)?.max(0);
    add_sample(header, header.funding_last_premium, sample_secs, sample_end)?;
    Ok((sample_secs, interval_end))
}

/// After an instruction changed the book (an order placed, filled, evicted or cancelled), the
/// last reading no longer describes it: it accrues up to now and the book is read again, so a
/// quote counts for the time it actually rested (an order placed, sampled and pulled in one
/// transaction weighs nothing). With a stale cached oracle or a due interval (a cancel, which
/// takes no oracle) the book cannot be read fairly: the reading becomes 0, neutral, until the
/// next sample.
pub fn after_book_change(market: &mut MarketView, now: i64, oracle_fresh: bool) -> PerpResult<Option<FundingUpdate>> {
    if oracle_fresh && !funding_due(market.header, now)? {
        return update_funding(market, now).map(Some);
    }
    accrue_reading(market.header, now)?;
    market.header.funding_last_premium = 0;
    Ok(None)
}

fn add_sample(header: &mut MarketHeader, premium: i64, secs: i64, until: i64) -> PerpResult<()> {
    header.funding_premium_time_sum = header.funding_premium_time_sum.safe_add(premium.safe_mul(secs)?)?;
    header.funding_sampled_secs = header.funding_sampled_secs.safe_add(secs)?;
    header.funding_last_sample_time = header.funding_last_sample_time.max(until);
    Ok(())
}

/// Applies the ended interval's rate at the cached oracle price; moves the dust out of the
/// market's funding balance (the caller moves it to the insurance fund).
fn apply_interval(header: &mut MarketHeader, now: i64, interval_end: i64) -> PerpResult<AppliedFunding> {
    let interval = i64::from(header.funding_interval_secs);
    let average = average_premium(header.funding_premium_time_sum, header.funding_sampled_secs)?;
    let rate = predicted_rate(header)?;
    let (long_delta, short_delta) = index_deltas(rate, header.lot_size, header.oracle_price)?;
    let open_interest: i64 = cast(header.open_interest_lots)?;
    let dust: u64 = cast(long_delta.safe_sub(short_delta)?.safe_mul(open_interest)?)?;
    header.cumulative_funding_long = header.cumulative_funding_long.safe_add(long_delta)?;
    header.cumulative_funding_short = header.cumulative_funding_short.safe_add(short_delta)?;
    header.funding_settled_net = header.funding_settled_net.safe_sub(cast(dust)?)?;
    header.last_funding_rate = rate;
    header.last_funding_time = now;
    Ok(AppliedFunding {
        interval_start: interval_end.safe_sub(interval)?,
        skipped_intervals: now.safe_sub(interval_end)?.safe_div(interval)?,
        average_premium: average,
        rate,
        oracle_price: header.oracle_price,
        long_index_delta: long_delta,
        short_index_delta: short_delta,
        open_interest_lots: header.open_interest_lots,
        dust,
    })
}

/// Funding the seat owes since its last settlement (> 0: it pays), without settling it.
pub fn pending_funding(header: &MarketHeader, seat: &Seat) -> PerpResult<i64> {
    let long_move = header.cumulative_funding_long.safe_sub(seat.last_funding_long)?;
    let short_move = header.cumulative_funding_short.safe_sub(seat.last_funding_short)?;
    funding_owed(seat.base_lots, long_move, short_move)
}

/// Settles the seat against the market's indices: what it owes leaves its unsettled quote (what
/// it receives enters it). Must run before anything changes the seat's position. Returns the
/// amount paid (> 0) or received (< 0).
pub fn settle_seat_funding(header: &mut MarketHeader, seat: &mut Seat) -> PerpResult<i64> {
    let owed = pending_funding(header, seat)?;
    seat.last_funding_long = header.cumulative_funding_long;
    seat.last_funding_short = header.cumulative_funding_short;
    if owed != 0 {
        seat.unsettled_quote = seat.unsettled_quote.safe_sub(owed)?;
        seat.funding_paid = seat.funding_paid.safe_add(owed)?;
        header.sum_unsettled_quote = header.sum_unsettled_quote.safe_sub(owed)?;
        header.funding_settled_net = header.funding_settled_net.safe_add(owed)?;
    }
    Ok(owed)
}

#[cfg(test)]
mod tests;
