//! An order from a trader account's point of view: settle its seats, check it may trade, claim
//! a seat on its first order in the market, place the order, settle its fills, check margin.
use anchor_lang::prelude::Pubkey;

use crate::engine::account::{account_risk, account_risk_with, claim_seat, settle_trader, Settled};
use crate::engine::collateral::{credit_insurance, InsuranceSource};
use crate::engine::orders::{self, OrderParams, PlaceOutcome};
use crate::error::{PerpError, PerpResult};
use crate::math::SafeMath;
use crate::state::{Ledger, MarketView, Trader};

/// What an order did to the trader's account, for the events.
#[derive(Debug)]
pub struct TradeOutcome {
    pub order: PlaceOutcome,
    pub settled_before: Settled,
    pub settled_after: Settled,
    /// Seat index and deposit when the order claimed a seat.
    pub claimed: Option<(u32, u64)>,
}

/// Places `params` in `markets[0]` (the other entries: the trader's other markets, oracle prices
/// cached). Fees go to the ledger's fee pool and insurance fund.
pub fn trade(
    trader: &mut Trader,
    trader_key: &Pubkey,
    ledger: &mut Ledger,
    markets: &mut [(Pubkey, MarketView)],
    params: &OrderParams,
) -> PerpResult<TradeOutcome> {
    let market_key = markets.first().map(|(k, _)| *k).ok_or(PerpError::MissingMarginAccounts)?;
    let settled_before = settle_trader(trader, trader_key, ledger, markets)?;
    // Only the traded market changes: the others' seats are priced once.
    let others = account_risk(trader, &markets[1..])?;
    let before = account_risk_with(trader, &markets[..1], &others)?;
    crate::validate!(
        !before.below_maintenance()?,
        PerpError::BelowMaintenance,
        "equity {} below maintenance {}",
        before.equity,
        before.maintenance
    );
    let (seat, claimed) = match trader.seat_in(&market_key) {
        Some(seat) => (seat, None),
        None => {
            let view = &mut markets[0].1;
            let seat = claim_seat(trader, trader_key, ledger, &market_key, view)?;
            (seat, Some((seat, view.header.seat_deposit)))
        }
    };
    let base_before = markets[0].1.seat(seat)?.base_lots;
    let order = orders::place_order(&mut markets[0].1, seat, params)?;
    let base_after = markets[0].1.seat(seat)?.base_lots;
    // The taker's own fills settle now; makers' at their next touch.
    let settled_after = settle_trader(trader, trader_key, ledger, &mut markets[..1])?;
    let after = account_risk_with(trader, &markets[..1], &others)?;
    // An order that adds risk must leave margin equity above the initial requirement: one that
    // raises the requirement, whose fills did anything but shrink the position (a flip keeps
    // the requirement where it was and still adds risk), or that leaves lots resting that could
    // do so when filled (a resting order bigger than the position flips it without raising the
    // requirement now). Only an order that can only reduce is exempt: fills that shrank the
    // position, and nothing resting but reduce-only.
    let rests_risk = order.rested_lots > 0 && !params.reduce_only;
    let adds_risk = after.initial > before.initial || !only_reduces(base_before, base_after) || rests_risk;
    crate::validate!(
        !adds_risk || after.meets_initial()?,
        PerpError::InsufficientMargin,
        "margin equity {} below initial {}",
        after.margin_equity,
        after.initial
    );
    ledger.fee_pool = ledger.fee_pool.safe_add(order.fees_to_pool)?;
    credit_insurance(ledger, InsuranceSource::Fees, order.fees_to_insurance)?;
    Ok(TradeOutcome { order, settled_before, settled_after, claimed })
}

/// Whether a position went from `before` to `after` lots only by shrinking toward zero (no
/// growth, no flip).
fn only_reduces(before: i64, after: i64) -> bool {
    after == 0 || (after.signum() == before.signum() && after.unsigned_abs() <= before.unsigned_abs())
}
