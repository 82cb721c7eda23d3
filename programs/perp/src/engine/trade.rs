//! An order from a trader account's point of view: settle its seats, check it may trade, claim
//! a seat on its first order in the market, place the order, settle its fills, check margin.
use anchor_lang::prelude::Pubkey;

use crate::engine::account::{account_risk, account_risk_with, claim_seat, settle_trader, SettleRecord};
use crate::engine::collateral::credit_insurance;
use crate::engine::orders::{self, OrderParams, PlaceOutcome};
use crate::error::PerpError;
use crate::math::SafeMath;
use crate::state::{Ledger, MarketView, Trader};

/// What an order did to the trader's account, for the events.
#[derive(Debug)]
pub struct TradeOutcome {
    pub order: PlaceOutcome,
    pub settled_before: Vec<SettleRecord>,
    pub settled_after: Vec<SettleRecord>,
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
) -> Result<TradeOutcome, PerpError> {
    let market_key = markets.first().map(|(k, _)| *k).ok_or(PerpError::MissingMarginAccounts)?;
    let settled_before = settle_trader(trader, trader_key, ledger, markets)?;
    // Only the traded market changes: the others' seats are priced once.
    let others = account_risk(trader, &markets[1..])?;
    let before = account_risk_with(trader, &markets[..1], &others)?;
    if before.below_maintenance()? {
        return Err(PerpError::BelowMaintenance);
    }
    let (seat, claimed) = match trader.seat_in(&market_key) {
        Some(seat) => (seat, None),
        None => {
            let view = &mut markets[0].1;
            let seat = claim_seat(trader, trader_key, ledger, &market_key, view)?;
            (seat, Some((seat, view.header.seat_deposit)))
        }
    };
    let order = orders::place_order(&mut markets[0].1, seat, params)?;
    // The taker's own fills settle now; makers' at their next touch.
    let settled_after = settle_trader(trader, trader_key, ledger, &mut markets[..1])?;
    let after = account_risk_with(trader, &markets[..1], &others)?;
    // An order that raises the initial requirement must leave margin equity above it.
    if after.initial > before.initial && !after.meets_initial()? {
        return Err(PerpError::InsufficientMargin);
    }
    ledger.fee_pool = ledger.fee_pool.safe_add(order.fees_to_pool)?;
    credit_insurance(ledger, order.fees_to_insurance)?;
    Ok(TradeOutcome { order, settled_before, settled_after, claimed })
}
