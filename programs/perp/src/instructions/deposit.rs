use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

use crate::engine::{account::settle_trader, collateral};
use crate::error::PerpError;
use crate::events::CollateralDeposited;
use crate::instructions::market_accounts::{emit_settlements, load_margin_set, views};
use crate::instructions::token_cpi::transfer_in;
use crate::state::{Exchange, Trader, PAUSE_DEPOSITS};

#[derive(Accounts)]
pub struct Deposit<'info> {
    /// The trader account's owner; also the authority of `source`.
    pub owner: Signer<'info>,
    #[account(mut)]
    pub exchange: Box<Account<'info, Exchange>>,
    #[account(mut, has_one = owner @ PerpError::NotTraderOwner)]
    pub trader: Box<Account<'info, Trader>>,
    #[account(mut, constraint = source.mint == exchange.collateral_mint @ PerpError::WrongMint)]
    pub source: Box<Account<'info, TokenAccount>>,
    #[account(mut, address = exchange.vault @ PerpError::WrongVault)]
    pub vault: Box<Account<'info, TokenAccount>>,
    pub token_program: Program<'info, Token>,
}

/// Remaining accounts: every market of the trader, in its slot order (no oracles: a deposit is
/// allowed whatever the prices do). Its seats are settled into collateral first.
pub fn handle_deposit(ctx: Context<Deposit>, amount: u64) -> Result<()> {
    let accounts = ctx.accounts;
    accounts.exchange.require_not_paused(PAUSE_DEPOSITS, PerpError::DepositsPaused)?;
    require!(accounts.source.amount >= amount, PerpError::InsufficientFunds);
    let trader_key = accounts.trader.key();
    let mut loaded = load_margin_set(&accounts.trader, None, ctx.remaining_accounts, false, 0)?;
    let settled = settle_trader(
        &mut accounts.trader,
        &trader_key,
        &mut accounts.exchange.ledger,
        &mut views(&mut loaded.markets)?,
    )?;
    collateral::deposit(&mut accounts.exchange.ledger, &mut accounts.trader, amount)?;
    transfer_in(&accounts.token_program, &accounts.source, &accounts.vault, &accounts.owner, amount)?;
    emit_settlements(&trader_key, &settled);
    emit_event!(CollateralDeposited { trader: trader_key, amount, collateral_after: accounts.trader.collateral });
    Ok(())
}
