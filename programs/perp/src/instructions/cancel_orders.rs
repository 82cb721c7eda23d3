use anchor_lang::prelude::*;

use crate::engine::account::settle_trader;
use crate::engine::orders::{cancel_all, cancel_by_client_id, CancelReason};
use crate::error::PerpError;
use crate::instructions::market_accounts::{emit_cancels, emit_settlements, resample_after_book_change, LoadedMarket};
use crate::state::{Exchange, Trader};

#[derive(Accounts)]
pub struct CancelOrders<'info> {
    pub owner: Signer<'info>,
    #[account(mut)]
    pub exchange: Box<Account<'info, Exchange>>,
    #[account(mut, has_one = owner @ PerpError::NotTraderOwner)]
    pub trader: Box<Account<'info, Trader>>,
    /// CHECK: loaded as a market account of this program (owner and discriminator checked).
    #[account(mut)]
    pub market: UncheckedAccount<'info>,
}

/// Cancels the trader's order with `client_order_id` in the market, or every order of the trader
/// there when `None` (allowed whatever the account's margin or the pause flags; needs no
/// oracle). Settles the seat, and releases it when that leaves it empty.
pub fn handle_cancel_orders(ctx: Context<CancelOrders>, client_order_id: Option<u64>) -> Result<()> {
    let accounts = ctx.accounts;
    let trader_key = accounts.trader.key();
    let info = accounts.market.to_account_info();
    let market_key = info.key();
    let seat = accounts.trader.seat_in(&market_key).ok_or(PerpError::NoSeat)?;
    let mut market = LoadedMarket::load(&info)?;
    let mut view = market.view()?;
    let cancels = match client_order_id {
        Some(id) => vec![cancel_by_client_id(&mut view, seat, id)?],
        None => cancel_all(&mut view, seat, CancelReason::User)?,
    };
    // The book changed: the funding reading follows it (at the cached oracle price while fresh).
    let now = Clock::get()?.unix_timestamp;
    let oracle_fresh =
        now.saturating_sub(view.header.oracle_publish_time) <= i64::from(view.header.oracle_max_age_secs);
    resample_after_book_change(&market_key, &mut view, now, oracle_fresh)?;
    let mut markets = [(market_key, view)];
    let settled = settle_trader(&mut accounts.trader, &trader_key, &mut accounts.exchange.ledger, &mut markets)?;
    emit_cancels(&market_key, &cancels);
    emit_settlements(&trader_key, &settled);
    Ok(())
}
