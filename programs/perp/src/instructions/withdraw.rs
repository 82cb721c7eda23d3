use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

use crate::engine::collateral;
use crate::error::PerpError;
use crate::events::CollateralWithdrawn;
use crate::instructions::token_cpi::transfer_out;
use crate::state::{Exchange, Trader, PAUSE_WITHDRAWALS};

#[derive(Accounts)]
pub struct Withdraw<'info> {
    pub owner: Signer<'info>,
    #[account(mut)]
    pub exchange: Box<Account<'info, Exchange>>,
    #[account(mut, has_one = owner @ PerpError::NotTraderOwner)]
    pub trader: Box<Account<'info, Trader>>,
    #[account(mut, address = exchange.vault @ PerpError::WrongVault)]
    pub vault: Box<Account<'info, TokenAccount>>,
    /// Any token account of the collateral mint (the owner's, or one it names).
    #[account(mut, constraint = destination.mint == exchange.collateral_mint @ PerpError::WrongMint)]
    pub destination: Box<Account<'info, TokenAccount>>,
    pub token_program: Program<'info, Token>,
}

pub fn handle_withdraw(ctx: Context<Withdraw>, amount: u64) -> Result<()> {
    let accounts = ctx.accounts;
    accounts.exchange.require_not_paused(PAUSE_WITHDRAWALS, PerpError::WithdrawalsPaused)?;
    collateral::withdraw(&mut accounts.exchange.ledger, &mut accounts.trader, amount)?;
    transfer_out(&accounts.token_program, &accounts.exchange, &accounts.vault, &accounts.destination, amount)?;
    emit_event!(CollateralWithdrawn {
        trader: accounts.trader.key(),
        amount,
        collateral_after: accounts.trader.collateral
    });
    Ok(())
}
