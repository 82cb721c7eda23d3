use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

use crate::engine::collateral;
use crate::error::PerpError;
use crate::events::InsuranceDeposited;
use crate::instructions::token_cpi::transfer_in;
use crate::state::{Exchange, PAUSE_DEPOSITS};

#[derive(Accounts)]
pub struct DepositInsurance<'info> {
    /// Authority of `source`; anyone may top up the fund.
    pub depositor: Signer<'info>,
    #[account(mut)]
    pub exchange: Box<Account<'info, Exchange>>,
    #[account(mut, constraint = source.mint == exchange.collateral_mint @ PerpError::WrongMint)]
    pub source: Box<Account<'info, TokenAccount>>,
    #[account(mut, address = exchange.insurance_vault @ PerpError::WrongVault)]
    pub insurance_vault: Box<Account<'info, TokenAccount>>,
    pub token_program: Program<'info, Token>,
}

pub fn handle_deposit_insurance(ctx: Context<DepositInsurance>, amount: u64) -> Result<()> {
    let accounts = ctx.accounts;
    accounts.exchange.require_not_paused(PAUSE_DEPOSITS, PerpError::DepositsPaused)?;
    require!(accounts.source.amount >= amount, PerpError::InsufficientFunds);
    collateral::deposit_insurance(&mut accounts.exchange.ledger, amount)?;
    transfer_in(&accounts.token_program, &accounts.source, &accounts.insurance_vault, &accounts.depositor, amount)?;
    emit_event!(InsuranceDeposited {
        depositor: accounts.depositor.key(),
        amount,
        insurance_fund_after: accounts.exchange.ledger.insurance_fund,
    });
    Ok(())
}
