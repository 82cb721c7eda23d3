use anchor_lang::prelude::*;
use anchor_spl::token::Token;

use crate::engine::bankruptcy::sweep_insurance_positions;
use crate::engine::collateral::{credit_insurance, InsuranceSource};
use crate::error::PerpError;
use crate::instructions::market_accounts::{emit_insurance_sweep, refresh_market, FundingCrank, LoadedMarket};
use crate::instructions::token_cpi::transfer_out;
use crate::math::SafeMath;
use crate::state::Exchange;

#[derive(Accounts)]
pub struct UpdateFunding<'info> {
    #[account(mut)]
    pub exchange: Box<Account<'info, Exchange>>,
    /// CHECK: loaded as a market account of this program (owner and discriminator checked).
    #[account(mut)]
    pub market: UncheckedAccount<'info>,
    /// CHECK: checked against the market's oracle config.
    pub oracle: UncheckedAccount<'info>,
    /// CHECK: the exchange's vault (address checked); the token program checks the rest.
    #[account(mut, address = exchange.vault @ PerpError::WrongVault)]
    pub vault: UncheckedAccount<'info>,
    /// CHECK: the exchange's insurance vault (address checked).
    #[account(mut, address = exchange.insurance_vault @ PerpError::WrongVault)]
    pub insurance_vault: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
}

/// Permissionless (the keeper cranks it; trading and withdrawals run it when an interval is due):
/// validates and caches the oracle price, takes a premium sample and, when the funding interval
/// has ended, applies its capped rate to the indices and moves the rounding dust to the
/// insurance fund; then sweeps the market's insurance position's results into the fund (or its
/// losses out of it, placing what the fund cannot pay). Never paused. A second call in the same
/// second changes nothing.
pub fn handle_update_funding(ctx: Context<UpdateFunding>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let accounts = ctx.accounts;
    let info = accounts.market.to_account_info();
    let ledger = &mut accounts.exchange.ledger;
    let (dust, sweep) = {
        let mut market = LoadedMarket::load(&info)?;
        let mut view = market.view()?;
        let dust = refresh_market(info.key, &mut view, &accounts.oracle.to_account_info(), now, FundingCrank::Always)?;
        credit_insurance(ledger, InsuranceSource::FundingDust, dust)?;
        let sweep = sweep_insurance_positions(ledger, &mut [(*info.key, view)])?;
        (dust, sweep)
    };
    emit_insurance_sweep(&sweep, ledger);
    let to_insurance = i64::try_from(dust).map_err(|_| PerpError::MathOverflow)?.safe_add(sweep.net)?;
    let (vault, insurance_vault) = (accounts.vault.to_account_info(), accounts.insurance_vault.to_account_info());
    if to_insurance > 0 {
        transfer_out(
            &accounts.token_program,
            &accounts.exchange,
            &vault,
            &insurance_vault,
            to_insurance.unsigned_abs(),
        )?;
    } else if to_insurance < 0 {
        transfer_out(
            &accounts.token_program,
            &accounts.exchange,
            &insurance_vault,
            &vault,
            to_insurance.unsigned_abs(),
        )?;
    }
    Ok(())
}
