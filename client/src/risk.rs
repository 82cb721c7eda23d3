//! Views of the loss waterfall computed with the program's own engine, so a trader sees before a
//! crash what it would cost: each position's liquidation and bankruptcy prices, its ADL share and
//! pending ADL, the insurance fund's coverage, and for price shocks the deficit the fund would not
//! cover, the fraction f each side would give up, and what each position would lose.
use perp::engine::account::{account_risk, AccountRisk};
use perp::engine::adl::{effective_seat, AdlApplied};
use perp::error::PerpError;
use perp::math::fixed::{mul_div_u64, Rounding, PPM};
use perp::math::position::Position;
use perp::math::safe::{cast, SafeMath};
use perp::state::{Ledger, MarketView, Trader};
use solana_sdk::pubkey::Pubkey;

use crate::views::MarketData;

/// One position of an account, as the waterfall sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PositionRisk {
    pub market: Pubkey,
    /// The position with pending ADL applied (lots, > 0 long) and its entry price (1e6).
    pub base_lots: i64,
    pub entry_price: u64,
    pub unrealized_pnl: i64,
    /// The oracle price of this market (others unchanged) at which the account falls below
    /// maintenance (it may be liquidated), and below zero equity (bankruptcy); `None` when no
    /// positive price gets it there.
    pub liquidation_price: Option<u64>,
    pub bankruptcy_price: Option<u64>,
    /// Its share of its side's open interest, ppm: the fraction of an ADL on that side it bears.
    pub adl_share_ppm: u64,
    /// ADL events of its side it has not applied yet (views count them already).
    pub pending_adl: Option<AdlApplied>,
}

fn views(markets: &mut [MarketData]) -> Result<Vec<(Pubkey, MarketView<'_>)>, PerpError> {
    markets.iter_mut().map(|m| Ok((m.address, m.view()?))).collect()
}

fn risk_at(trader: &Trader, markets: &[MarketData], index: usize, price: u64) -> Result<AccountRisk, PerpError> {
    let mut scratch = markets.to_vec();
    scratch[index].view()?.header.oracle_price = price;
    account_risk(trader, &views(&mut scratch)?)
}

/// The price of market `index` at the edge of `crossed` (a test monotone in the price: true at low
/// prices for a long, at high prices for a short), searched between 1 and 10,000 times the
/// market's oracle price (a short crossed only beyond that shows none): the search stays where
/// the account's figures fit the program's integers.
fn edge_price(
    trader: &Trader,
    markets: &[MarketData],
    index: usize,
    long: bool,
    oracle: u64,
    crossed: impl Fn(&AccountRisk) -> Result<bool, PerpError>,
) -> Result<Option<u64>, PerpError> {
    let (mut lo, mut hi) = (1u64, oracle.saturating_mul(10_000).clamp(2, 1u64 << 60));
    // A price so high that the account's figures overflow is past any short's edge and below
    // no long's: it counts as crossed for a short only.
    let at = |p| -> Result<bool, PerpError> {
        match risk_at(trader, markets, index, p).and_then(|r| crossed(&r)) {
            Err(PerpError::MathOverflow | PerpError::CastOverflow) => Ok(!long),
            other => other,
        }
    };
    if long {
        // The highest price at which it is crossed.
        if !at(lo)? {
            return Ok(None);
        }
        while lo < hi {
            let mid = lo + (hi - lo).div_ceil(2);
            if at(mid)? {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        Ok(Some(lo))
    } else {
        // The lowest price at which it is crossed.
        if !at(hi)? {
            return Ok(None);
        }
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if at(mid)? {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        Ok(Some(hi))
    }
}

/// Every position of `trader` over `markets` (all of its markets).
pub fn positions(trader: &Trader, markets: &mut [MarketData]) -> Result<Vec<PositionRisk>, PerpError> {
    let mut out = Vec::new();
    for index in 0..markets.len() {
        let address = markets[index].address;
        let Some(seat_index) = trader.seat_in(&address) else { continue };
        let view = markets[index].view()?;
        let header = *view.header;
        let (seat, pending_adl) = effective_seat(&header, view.seat(seat_index)?)?;
        if seat.base_lots == 0 {
            continue;
        }
        let position = Position { base_lots: seat.base_lots, quote_entry: seat.quote_entry };
        let size = seat.base_lots.unsigned_abs().safe_mul(header.lot_size)?;
        let entry_price =
            mul_div_u64(seat.quote_entry.unsigned_abs(), perp::math::BASE_PRECISION, size, Rounding::Down)?;
        // The side's effective lots: what its pending ADL events will still close is gone already.
        let long = seat.base_lots > 0;
        let side = if long { perp::state::adl::LONG } else { perp::state::adl::SHORT };
        let side_lots = header.open_interest_lots.saturating_sub(header.adl[side].pending_close_lots);
        let below_maintenance = |r: &AccountRisk| r.below_maintenance();
        let below_zero = |r: &AccountRisk| Ok(r.equity < 0);
        out.push(PositionRisk {
            market: address,
            base_lots: seat.base_lots,
            entry_price,
            unrealized_pnl: position.unrealized_pnl(header.lot_size, header.oracle_price)?,
            liquidation_price: edge_price(trader, markets, index, long, header.oracle_price, below_maintenance)?,
            bankruptcy_price: edge_price(trader, markets, index, long, header.oracle_price, below_zero)?,
            adl_share_ppm: if side_lots == 0 {
                0
            } else {
                mul_div_u64(seat.base_lots.unsigned_abs(), PPM, side_lots, Rounding::Up)?
            },
            pending_adl,
        });
    }
    Ok(out)
}

/// One side of one market under a shock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SideShock {
    pub market: Pubkey,
    /// `perp::state::adl::LONG` or `SHORT`.
    pub side: usize,
    /// Lots of bankrupt accounts' positions that would close against this side, the side's lots,
    /// and the fraction f (ppm) every position on it would give up.
    pub closed_lots: u64,
    pub side_lots: u64,
    pub f_ppm: u64,
    /// The uncovered deficit this side would bear, token units.
    pub loss: u64,
}

/// What a shock would cost one account's position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PositionShock {
    pub market: Pubkey,
    pub base_lots: i64,
    /// Lots ADL would close and what it would lose against the oracle, token units.
    pub closed_lots: u64,
    pub loss: u64,
}

/// Every account and the fund under one price shock of every market.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShockRow {
    /// The shock, ppm of each market's oracle price (-500,000 = -50%).
    pub shock_ppm: i64,
    /// The sum of the deficits of the accounts it would take below zero equity, what the fund
    /// would pay (per-event caps included) and what ADL would take from the opposite sides.
    pub deficit: u64,
    pub insurance_pays: u64,
    pub uncovered: u64,
    pub sides: Vec<SideShock>,
    /// The waterfall's last step: what ADL would take beyond the equity of the accounts it
    /// reaches, less what the fund has left (written off), what the fee pool would pay of it,
    /// and the rest, socialized over the collateral of the accounts left standing, pro rata.
    pub written_off: u64,
    pub fee_pool_pays: u64,
    pub socialized: u64,
    /// The positions of the account asked about, and its share of `socialized`.
    pub yours: Vec<PositionShock>,
    pub your_socialized: u64,
}

/// The shock table: for each of `shocks_ppm`, every market's oracle moved by it, every account in
/// `traders` priced with the program's math, bankrupt accounts resolved in order against the
/// fund (`ledger`'s insurance fund), what ADL would do, and what it would take beyond the equity
/// of the accounts it reaches (the last step: the fee pool, then all collateral). `you` picks
/// the account whose positions' losses and share are listed.
pub fn shock_table(
    traders: &[(Pubkey, Trader)],
    markets: &[MarketData],
    ledger: &Ledger,
    you: Option<&Pubkey>,
    shocks_ppm: &[i64],
) -> Result<Vec<ShockRow>, PerpError> {
    let mut rows = Vec::with_capacity(shocks_ppm.len());
    for &shock in shocks_ppm {
        let mut scratch = markets.to_vec();
        for m in scratch.iter_mut() {
            let view = m.view()?;
            let price: i128 =
                i128::from(view.header.oracle_price) * (i128::from(PPM) + i128::from(shock)) / i128::from(PPM);
            view.header.oracle_price = cast(price.max(1))?;
        }
        let mut row = ShockRow {
            shock_ppm: shock,
            deficit: 0,
            insurance_pays: 0,
            uncovered: 0,
            sides: Vec::new(),
            written_off: 0,
            fee_pool_pays: 0,
            socialized: 0,
            yours: Vec::new(),
            your_socialized: 0,
        };
        let mut fund = ledger.insurance_fund;
        // Per market and side: (closed lots, uncovered loss).
        let mut against: Vec<[(u64, u64); 2]> = vec![[(0, 0); 2]; scratch.len()];
        for (_, trader) in traders {
            let equity = account_risk(trader, &views(&mut scratch)?)?.equity;
            if equity >= 0 {
                continue;
            }
            let deficit = equity.unsigned_abs();
            let mut cap = u64::MAX;
            for m in scratch.iter_mut() {
                let header = *m.view()?.header;
                if trader.seat_in(&m.address).is_some() && header.insurance_cap_per_event > 0 {
                    cap = cap.min(header.insurance_cap_per_event);
                }
            }
            let paid = deficit.min(fund).min(cap);
            fund -= paid;
            row.deficit = row.deficit.safe_add(deficit)?;
            row.insurance_pays = row.insurance_pays.safe_add(paid)?;
            let uncovered = deficit - paid;
            row.uncovered = row.uncovered.safe_add(uncovered)?;
            // Its positions close against the opposite sides; the uncovered part is split over
            // them by notional (the program splits it over the losing ones; a view's estimate).
            let mut positions = Vec::new();
            for (i, m) in scratch.iter_mut().enumerate() {
                let Some(seat_index) = trader.seat_in(&m.address) else { continue };
                let view = m.view()?;
                let header = *view.header;
                let (seat, _) = effective_seat(&header, view.seat(seat_index)?)?;
                if seat.base_lots != 0 {
                    let notional = Position { base_lots: seat.base_lots, quote_entry: 0 }
                        .notional(header.lot_size, header.oracle_price)?;
                    positions.push((i, seat.base_lots, notional));
                }
            }
            let total: u64 = positions.iter().map(|p| p.2).sum();
            for (i, base, notional) in positions {
                let opposite = if base > 0 { 1 } else { 0 };
                let share = if total == 0 { 0 } else { mul_div_u64(uncovered, notional, total, Rounding::Up)? };
                let entry = &mut against[i][opposite];
                entry.0 = entry.0.safe_add(base.unsigned_abs())?;
                entry.1 = entry.1.safe_add(share)?;
            }
        }
        for (i, m) in scratch.iter_mut().enumerate() {
            let header = *m.view()?.header;
            for (side, &(closed, loss)) in against[i].iter().enumerate() {
                if closed == 0 {
                    continue;
                }
                // Every side holds the open interest (long lots == short lots).
                let side_lots = header.open_interest_lots.max(1);
                let f_ppm = mul_div_u64(closed.min(side_lots), PPM, side_lots, Rounding::Up)?;
                row.sides.push(SideShock { market: m.address, side, closed_lots: closed, side_lots, f_ppm, loss });
            }
        }
        // The last step: an account ADL reaches loses its positions' shares of their sides' losses;
        // beyond its equity that is written off. The collateral of the accounts left standing
        // bears what the fee pool does not.
        let views_now = views(&mut scratch)?;
        let mut standing: u128 = 0;
        let mut losses: Vec<(Vec<PositionShock>, bool)> = Vec::with_capacity(traders.len());
        for (_, trader) in traders {
            let risk = account_risk(trader, &views_now)?;
            let positions = position_losses(trader, &views_now, &row.sides)?;
            let loss: u64 = positions.iter().map(|p| p.loss).sum();
            let stands = risk.equity >= 0 && loss <= risk.equity.unsigned_abs();
            if risk.equity >= 0 {
                row.written_off = row.written_off.safe_add(loss.saturating_sub(risk.equity.unsigned_abs()))?;
            }
            if stands {
                standing = standing.safe_add(u128::from(trader.collateral))?;
            }
            losses.push((positions, stands));
        }
        // Those accounts are resolved in turn: what the fund has left pays first (per-event caps
        // not counted here), then the fee pool, then the standing accounts' collateral (what is
        // beyond it would stay unplaced).
        row.written_off = row.written_off.saturating_sub(fund);
        row.fee_pool_pays = row.written_off.min(ledger.fee_pool);
        row.socialized = (row.written_off - row.fee_pool_pays).min(cast(standing.min(u128::from(u64::MAX)))?);
        if let Some(you) = you {
            if let Some(index) = traders.iter().position(|(k, _)| k == you) {
                let trader = &traders[index].1;
                let (positions, stands) = core::mem::take(&mut losses[index]);
                row.yours = positions;
                if stands && standing > 0 {
                    let share = u128::from(row.socialized).safe_mul(u128::from(trader.collateral))?.div_ceil(standing);
                    row.your_socialized = cast(share)?;
                }
            }
        }
        rows.push(row);
    }
    Ok(rows)
}

/// What ADL would take from each of `trader`'s positions under a shock whose sides are `sides`.
fn position_losses(
    trader: &Trader,
    views: &[(Pubkey, MarketView)],
    sides: &[SideShock],
) -> Result<Vec<PositionShock>, PerpError> {
    let mut out = Vec::new();
    for (address, view) in views {
        let Some(seat_index) = trader.seat_in(address) else { continue };
        let header = *view.header;
        let (seat, _) = effective_seat(&header, view.seat(seat_index)?)?;
        if seat.base_lots == 0 {
            continue;
        }
        let side = if seat.base_lots > 0 { 0 } else { 1 };
        let held = seat.base_lots.unsigned_abs();
        let (closed_lots, loss) = match sides.iter().find(|s| s.market == *address && s.side == side) {
            Some(s) => (
                mul_div_u64(held, s.f_ppm, PPM, Rounding::Up)?.min(held),
                mul_div_u64(s.loss, held, s.side_lots, Rounding::Up)?,
            ),
            None => (0, 0),
        };
        out.push(PositionShock { market: *address, base_lots: seat.base_lots, closed_lots, loss });
    }
    Ok(out)
}

/// The shocks the views and the CLI's `risk` report: -50% to +50% in steps of 10%.
pub const STANDARD_SHOCKS_PPM: [i64; 11] =
    [-500_000, -400_000, -300_000, -200_000, -100_000, 0, 100_000, 200_000, 300_000, 400_000, 500_000];

/// The insurance fund against the open interest it stands behind: its balance and, per market,
/// the notional of each side (token units) and the fund's coverage of the larger side, ppm.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Coverage {
    pub market: Pubkey,
    pub open_interest_notional: u64,
    pub coverage_ppm: u64,
    /// The insurance fund's position in the market (lots, > 0 long): ADL closes it has taken over
    /// and not yet handed on, and rounding dust.
    pub insurance_position_lots: i64,
}

pub fn coverage(insurance_fund: u64, markets: &mut [MarketData]) -> Result<Vec<Coverage>, PerpError> {
    let mut out = Vec::with_capacity(markets.len());
    for m in markets.iter_mut() {
        let header = m.header()?;
        let lots: i64 = cast(header.open_interest_lots)?;
        let notional = Position { base_lots: lots, quote_entry: 0 }.notional(header.lot_size, header.oracle_price)?;
        let coverage_ppm = if notional == 0 { 0 } else { mul_div_u64(insurance_fund, PPM, notional, Rounding::Down)? };
        out.push(Coverage {
            market: m.address,
            open_interest_notional: notional,
            coverage_ppm,
            insurance_position_lots: header.insurance.base_lots,
        });
    }
    Ok(out)
}
