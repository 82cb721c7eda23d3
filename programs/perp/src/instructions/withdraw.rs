use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

use crate::engine::account::{account_risk, settle_trader};
use crate::engine::collateral;
use crate::engine::collateral::{credit_insurance, InsuranceSource};
use crate::error::PerpError;
use crate::events::CollateralWithdrawn;
use crate::instructions::market_accounts::{emit_settlements, load_margin_set, views};
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
    /// CHECK: the exchange's insurance vault (address checked): funding updates that come due
    /// move their rounding dust there.
    #[account(mut, address = exchange.insurance_vault @ PerpError::WrongVault)]
    pub insurance_vault: UncheckedAccount<'info>,
    /// Any token account of the collateral mint (the owner's, or one it names).
    #[account(mut, constraint = destination.mint == exchange.collateral_mint @ PerpError::WrongMint)]
    pub destination: Box<Account<'info, TokenAccount>>,
    pub token_program: Program<'info, Token>,
}

/// Remaining accounts: every market of the trader, each followed by its oracle, in the trader's
/// slot order. Only what is withdrawable leaves: collateral not needed for initial margin
/// (open orders at their worst case), unrealized profit and seat deposits excluded.
pub fn handle_withdraw(ctx: Context<Withdraw>, amount: u64) -> Result<()> {
    let accounts = ctx.accounts;
    accounts.exchange.require_not_paused(PAUSE_WITHDRAWALS, PerpError::WithdrawalsPaused)?;
    let now = Clock::get()?.unix_timestamp;
    let trader_key = accounts.trader.key();
    let mut loaded = load_margin_set(&accounts.trader, None, ctx.remaining_accounts, true, now)?;
    credit_insurance(&mut accounts.exchange.ledger, InsuranceSource::FundingDust, loaded.funding_dust)?;
    let mut markets = views(&mut loaded.markets)?;
    let settled = settle_trader(&mut accounts.trader, &trader_key, &mut accounts.exchange.ledger, &mut markets)?;
    let withdrawable = account_risk(&accounts.trader, &markets)?.withdrawable()?;
    collateral::withdraw(&mut accounts.exchange.ledger, &mut accounts.trader, amount, withdrawable)?;
    drop(markets);
    let (vault, destination) = (accounts.vault.to_account_info(), accounts.destination.to_account_info());
    transfer_out(&accounts.token_program, &accounts.exchange, &vault, &destination, amount)?;
    let insurance_vault = accounts.insurance_vault.to_account_info();
    transfer_out(&accounts.token_program, &accounts.exchange, &vault, &insurance_vault, loaded.funding_dust)?;
    emit_settlements(&trader_key, &settled);
    emit_event!(CollateralWithdrawn { trader: trader_key, amount, collateral_after: accounts.trader.collateral });
    Ok(())
}
