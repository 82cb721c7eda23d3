use anchor_lang::prelude::*;
use anchor_spl::token::Token;

use crate::engine::collateral::{credit_insurance, InsuranceSource};
use crate::engine::liquidation::{liquidate, LiquidationOutcome};
use crate::error::PerpError;
use crate::events::{Liquidated, SeatClaimed};
use crate::instructions::market_accounts::{
    emit_cancels, emit_settlements, load_markets, refresh_market, resample_after_book_change, views, FundingCrank,
    LoadedMarket,
};
use crate::instructions::token_cpi::transfer_out;
use crate::math::SafeMath;
use crate::state::{liquidation_markets, Exchange, Trader};

#[derive(Accounts)]
pub struct Liquidate<'info> {
    /// Owner of the liquidator's trader account (the liquidator takes a position on).
    pub liquidator_owner: Signer<'info>,
    #[account(mut)]
    pub exchange: Box<Account<'info, Exchange>>,
    #[account(mut, constraint = liquidator.owner == liquidator_owner.key() @ PerpError::NotTraderOwner)]
    pub liquidator: Box<Account<'info, Trader>>,
    #[account(mut)]
    pub liquidated: Box<Account<'info, Trader>>,
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

/// Liquidates the `liquidated` account's position in `market` into the liquidator's account
/// (permissionless; never paused). Its orders in `market` are cancelled first; where it holds
/// only orders, that is all (the keeper pulls the orders of an account below maintenance this
/// way, market by market). Remaining accounts: the liquidated account's other markets,
/// then the liquidator's markets not among them and not `market`, each in its account's slot
/// order and each followed by its oracle (`state::liquidation_markets`).
pub fn handle_liquidate(ctx: Context<Liquidate>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let accounts = ctx.accounts;
    let (out, funding_dust) = run(accounts, ctx.remaining_accounts, now)?;
    let market = accounts.market.key();
    let (liquidated, liquidator) = (accounts.liquidated.key(), accounts.liquidator.key());
    emit_settlements(&liquidated, &out.liquidated_settled);
    emit_cancels(&market, &out.cancels);
    if let Some((seat, deposit)) = out.liquidator_claimed {
        emit_event!(SeatClaimed { market, trader: liquidator, seat, deposit });
    }
    emit_settlements(&liquidator, &out.liquidator_settled);
    if out.lots == 0 {
        // Orders only: they are pulled; the funding dust still moves.
        let (vault, insurance_vault) = (accounts.vault.to_account_info(), accounts.insurance_vault.to_account_info());
        return transfer_out(&accounts.token_program, &accounts.exchange, &vault, &insurance_vault, funding_dust);
    }
    emit_event!(Liquidated::from_outcome(
        market,
        liquidated,
        liquidator,
        &out,
        accounts.exchange.ledger.insurance_fund
    ));
    let (vault, insurance_vault) = (accounts.vault.to_account_info(), accounts.insurance_vault.to_account_info());
    let to_insurance = out.penalty.to_insurance.safe_add(funding_dust)?;
    transfer_out(&accounts.token_program, &accounts.exchange, &vault, &insurance_vault, to_insurance)
}

fn run<'info>(
    accounts: &mut Liquidate<'_>,
    remaining: &'info [AccountInfo<'info>],
    now: i64,
) -> Result<(Box<LiquidationOutcome>, u64)> {
    let market_info = accounts.market.to_account_info();
    let market_key = market_info.key();
    let mut primary = LoadedMarket::load(&market_info)?;
    let oracle = accounts.oracle.to_account_info();
    let primary_dust = refresh_market(&market_key, &mut primary.view()?, &oracle, now, FundingCrank::WhenDue)?;
    let expected = liquidation_markets(&accounts.liquidated, &accounts.liquidator, &market_key);
    let mut others = load_markets(&expected, Some(&market_key), remaining, true, now)?;
    let funding_dust = primary_dust.safe_add(others.funding_dust)?;
    credit_insurance(&mut accounts.exchange.ledger, InsuranceSource::FundingDust, funding_dust)?;
    let mut markets = vec![(market_key, primary.view()?)];
    markets.extend(views(&mut others.markets)?);
    let (liquidated_key, liquidator_key) = (accounts.liquidated.key(), accounts.liquidator.key());
    let out = liquidate(
        &mut accounts.liquidated,
        &liquidated_key,
        &mut accounts.liquidator,
        &liquidator_key,
        &mut accounts.exchange.ledger,
        &mut markets,
    )?;
    // The liquidated account's orders left the book: the funding reading follows.
    resample_after_book_change(&market_key, &mut markets[0].1, now, true)?;
    Ok((out, funding_dust))
}
