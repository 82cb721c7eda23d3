use anchor_lang::prelude::*;

use crate::engine::account::settle_trader;
use crate::instructions::market_accounts::{emit_settlements, load_margin_set, views};
use crate::state::{Exchange, Trader};

#[derive(Accounts)]
pub struct SettleFunding<'info> {
    #[account(mut)]
    pub exchange: Box<Account<'info, Exchange>>,
    #[account(mut)]
    pub trader: Box<Account<'info, Trader>>,
}

/// Permissionless: settles every seat of the trader against its market's funding indices and
/// moves the seats' unsettled quote (funding, realized PnL, fees) into its collateral, releasing
/// seats left flat, orderless and settled. Remaining accounts: the trader's markets in its slot
/// order (no oracles: nothing is priced). Moves no tokens.
pub fn handle_settle_funding(ctx: Context<SettleFunding>) -> Result<()> {
    let accounts = ctx.accounts;
    let trader_key = accounts.trader.key();
    let mut loaded = load_margin_set(&accounts.trader, None, ctx.remaining_accounts, false, 0)?;
    let settled = settle_trader(
        &mut accounts.trader,
        &trader_key,
        &mut accounts.exchange.ledger,
        &mut views(&mut loaded.markets)?,
    )?;
    emit_settlements(&trader_key, &settled);
    Ok(())
}
