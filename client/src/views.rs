//! Read-side views computed with the program's own engine and math, so what a user sees off
//! chain is what the program enforces on chain.
use perp::engine::account::{account_risk, AccountRisk};
use perp::engine::collateral::with_socialized_loss;
use perp::engine::funding::pending_funding;
use perp::error::PerpError;
use perp::math::fixed::{mul_div_i64, Rounding};
use perp::math::funding::{annualize, rate_on_equity};
use perp::math::position::Position;
use perp::math::safe::{cast, SafeMath};
use perp::state::{Ledger, MarketHeader, MarketView, Seat, Trader};
use solana_sdk::pubkey::Pubkey;

/// A market account's data, owned (copied off the chain).
#[derive(Clone, Debug)]
pub struct MarketData {
    pub address: Pubkey,
    pub data: Vec<u8>,
}

impl MarketData {
    pub fn view(&mut self) -> Result<MarketView<'_>, PerpError> {
        MarketView::from_account_data(&mut self.data)
    }

    pub fn header(&mut self) -> Result<MarketHeader, PerpError> {
        Ok(*self.view()?.header)
    }

    /// The seat `trader` (a trader account address) holds, if any.
    pub fn seat_of(&mut self, trader: &Pubkey) -> Result<Option<(u32, Seat)>, PerpError> {
        let view = self.view()?;
        Ok(view.seats.iter().enumerate().find(|(_, s)| s.trader == *trader).map(|(i, s)| (i as u32, *s)))
    }
}

/// `traders` as the program will see each on its next touch: its share of socialized losses
/// charged (`perp::engine::collateral::with_socialized_loss`). For views and pricing; the money
/// rules read the accounts as they are.
pub fn charged(ledger: &Ledger, traders: &[(Pubkey, Trader)]) -> Result<Vec<(Pubkey, Trader)>, PerpError> {
    traders.iter().map(|(address, t)| Ok((*address, with_socialized_loss(ledger, t)?))).collect()
}

/// The account's margin figures (equity, maintenance, initial, withdrawable) at each market's
/// cached oracle price, exactly as the program computes them. `markets` must hold every market
/// the trader is active in.
pub fn account(trader: &Trader, markets: &mut [MarketData]) -> Result<AccountRisk, PerpError> {
    let mut views = Vec::with_capacity(markets.len());
    for m in markets.iter_mut() {
        let address = m.address;
        views.push((address, m.view()?));
    }
    account_risk(trader, &views)
}

/// A market's funding as a user reads it. Rates are per interval at 1e9 (1e9 = 100%); APRs are
/// those rates times the intervals in a 365-day year. A positive rate means longs pay shorts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FundingView {
    pub interval_secs: u32,
    /// The rate applied at the last boundary, and its APR.
    pub last_rate: i64,
    pub last_apr: i64,
    /// The rate the current interval gets if the premium stays as sampled so far, and its APR.
    pub predicted_rate: i64,
    pub predicted_apr: i64,
    /// When the current interval ends (unix seconds).
    pub next_boundary: i64,
}

pub fn funding(header: &MarketHeader) -> Result<FundingView, PerpError> {
    let interval = header.funding_interval_secs;
    let predicted_rate = perp::engine::funding::predicted_rate(header)?;
    Ok(FundingView {
        interval_secs: interval,
        last_rate: header.last_funding_rate,
        last_apr: annualize(header.last_funding_rate, interval)?,
        predicted_rate,
        predicted_apr: annualize(predicted_rate, interval)?,
        next_boundary: header.funding_interval_start.safe_add(i64::from(interval))?,
    })
}

/// One position's funding: what it owes now, what it has paid in all, and what a rate APR means
/// on the trader's own money at the account's effective leverage (the seed's point: 3 bps a day
/// sounds small, at 10x it is 30 bps a day of equity).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PositionFunding {
    /// Owed since the seat's last settlement, token units (> 0: the trader pays).
    pub pending: i64,
    /// Settled so far in this seat (> 0: paid).
    pub paid: i64,
    /// Effective leverage of this position on the account's equity, x100 (1000 = 10x).
    pub leverage_x100: i64,
    /// The predicted APR the position pays (> 0) or earns (< 0) on the account's equity, 1e9.
    pub predicted_apr_on_equity: i64,
}

/// `account_equity` as `account` computes it (`AccountRisk::equity`).
pub fn position_funding(header: &MarketHeader, seat: &Seat, account_equity: i64) -> Result<PositionFunding, PerpError> {
    let position = Position { base_lots: seat.base_lots, quote_entry: seat.quote_entry };
    let notional: i64 = cast(position.notional(header.lot_size, header.oracle_price)?)?;
    let leverage_x100 = if account_equity > 0 { mul_div_i64(notional, 100, account_equity, Rounding::Up)? } else { 0 };
    let paying_side_apr = funding(header)?.predicted_apr.safe_mul(seat.base_lots.signum())?;
    Ok(PositionFunding {
        pending: pending_funding(header, seat)?,
        paid: seat.funding_paid,
        leverage_x100,
        predicted_apr_on_equity: rate_on_equity(paying_side_apr, leverage_x100)?,
    })
}

/// The parameters an announced update (`MarketUpdate`) would change, by name (the program's own
/// table, `engine::market_admin`): what a trader reads before it takes effect.
pub fn pending_changes(
    header: &MarketHeader,
    config: &perp::state::MarketConfig,
) -> Result<Vec<&'static str>, PerpError> {
    let changes = perp::engine::market_admin::parameter_changes(header, config)?;
    Ok(changes.iter().filter(|p| p.changed).map(|p| p.name).collect())
}
