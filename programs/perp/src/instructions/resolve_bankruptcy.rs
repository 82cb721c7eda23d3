use anchor_lang::prelude::*;
use anchor_spl::token::Token;

use crate::engine::bankruptcy::{resolve_bankruptcy, BankruptcyOutcome};
use crate::engine::collateral::{credit_insurance, InsuranceSource};
use crate::error::PerpError;
use crate::events::{AdlEventRecorded, BankruptcyResolved};
use crate::instructions::market_accounts::{
    emit_cancels, emit_insurance_sweep, emit_settlements, load_margin_set, views,
};
use crate::instructions::token_cpi::transfer_out;
use crate::math::SafeMath;
use crate::state::{Exchange, Ledger, Trader};

#[derive(Accounts)]
pub struct ResolveBankruptcy<'info> {
    #[account(mut)]
    pub exchange: Box<Account<'info, Exchange>>,
    #[account(mut)]
    pub trader: Box<Account<'info, Trader>>,
    /// CHECK: the exchange's vault (address checked); the token program checks the rest.
    #[account(mut, address = exchange.vault @ PerpError::WrongVault)]
    pub vault: UncheckedAccount<'info>,
    /// CHECK: the exchange's insurance vault (address checked).
    #[account(mut, address = exchange.insurance_vault @ PerpError::WrongVault)]
    pub insurance_vault: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
}

/// Permissionless, never paused: resolves an account below zero equity (cancels its orders, draws
/// the insurance fund, and closes its positions at their bankruptcy prices against the whole
/// opposite sides, pro rata, for what the fund did not cover). Remaining accounts: the trader's
/// markets in its slot order, each followed by its oracle.
pub fn handle_resolve_bankruptcy(ctx: Context<ResolveBankruptcy>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let accounts = ctx.accounts;
    let trader_key = accounts.trader.key();
    let (out, funding_dust) = {
        let mut loaded = load_margin_set(&accounts.trader, None, ctx.remaining_accounts, true, now)?;
        credit_insurance(&mut accounts.exchange.ledger, InsuranceSource::FundingDust, loaded.funding_dust)?;
        let mut markets = views(&mut loaded.markets)?;
        let out = resolve_bankruptcy(&mut accounts.trader, &trader_key, &mut accounts.exchange.ledger, &mut markets)?;
        (out, loaded.funding_dust)
    };
    emit(&trader_key, &out, &accounts.exchange.ledger);
    // Tokens: funding dust and the insurance positions' gains into the insurance vault; the
    // fund's payment and its positions' losses out of it.
    let swept_in: u64 = out.insurance_swept.net.max(0).unsigned_abs();
    let swept_out: u64 = out.insurance_swept.net.min(0).unsigned_abs();
    let to_insurance = funding_dust.safe_add(swept_in)?;
    let from_insurance = out.insurance_paid.safe_add(swept_out)?;
    let (vault, insurance_vault) = (accounts.vault.to_account_info(), accounts.insurance_vault.to_account_info());
    if to_insurance >= from_insurance {
        transfer_out(
            &accounts.token_program,
            &accounts.exchange,
            &vault,
            &insurance_vault,
            to_insurance - from_insurance,
        )
    } else {
        transfer_out(
            &accounts.token_program,
            &accounts.exchange,
            &insurance_vault,
            &vault,
            from_insurance - to_insurance,
        )
    }
}

fn emit(trader: &Pubkey, out: &BankruptcyOutcome, ledger: &Ledger) {
    for m in &out.markets {
        emit_cancels(&m.market, &m.cancels);
    }
    for m in out.markets.iter().filter(|m| m.close.base_lots != 0) {
        emit_event!(AdlEventRecorded::from_resolution(*trader, m));
    }
    emit_settlements(trader, &out.settled);
    emit_insurance_sweep(&out.insurance_swept, ledger);
    emit_event!(BankruptcyResolved::from_outcome(*trader, out, ledger));
}
