// Anchor's `init` expands to a closure whose unoptimised MIR clippy sizes past 4 KiB; the frames
// that matter are the SBF build's, which the compute-unit suite runs (docs/compute-units.md).
#![allow(clippy::large_stack_frames)]
use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token};

use crate::error::PerpError;
use crate::events::ExchangeInitialized;
use crate::instructions::token_cpi::create_vault;
use crate::math::COLLATERAL_DECIMALS;
use crate::state::{Exchange, ExchangeParams, Ledger, EXCHANGE_SEED, INSURANCE_VAULT_SEED, VAULT_SEED};

#[derive(Accounts)]
pub struct InitializeExchange<'info> {
    #[account(mut)]
    pub admin: Signer<'info>,
    #[account(init, payer = admin, space = 8 + Exchange::INIT_SPACE, seeds = [EXCHANGE_SEED], bump)]
    pub exchange: Box<Account<'info, Exchange>>,
    /// Classic SPL Token mint (the `Account<Mint>` owner check rejects Token-2022) with 6 decimals.
    #[account(constraint = collateral_mint.decimals == COLLATERAL_DECIMALS @ PerpError::WrongCollateralDecimals)]
    pub collateral_mint: Box<Account<'info, Mint>>,
    /// CHECK: created here as a token account of `collateral_mint` owned by `exchange`.
    #[account(mut, seeds = [VAULT_SEED], bump)]
    pub vault: UncheckedAccount<'info>,
    /// CHECK: created here as a token account of `collateral_mint` owned by `exchange`.
    #[account(mut, seeds = [INSURANCE_VAULT_SEED], bump)]
    pub insurance_vault: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
    /// CHECK: this program's own account: how it was deployed says who may initialize.
    #[account(address = crate::ID)]
    pub program: UncheckedAccount<'info>,
    /// CHECK: the program's `ProgramData` when it is deployed upgradeable (address and owner
    /// checked in `require_upgrade_authority`); unread otherwise.
    pub program_data: UncheckedAccount<'info>,
}

/// Only the program's upgrade authority may initialize the exchange (and so become its first
/// admin) when the program is deployed upgradeable: nobody can run `initialize_exchange` first
/// between the deploy and the operator's own call. A program under any other loader has no
/// upgrade authority to bind to (a builtin in tests; a final, non-upgradeable deploy must be
/// initialized in its deploy transaction).
pub fn require_upgrade_authority(program: &AccountInfo, program_data: &AccountInfo, admin: &Pubkey) -> Result<()> {
    let loader = anchor_lang::solana_program::bpf_loader_upgradeable::ID;
    if *program.owner != loader {
        return Ok(());
    }
    let expected = Pubkey::find_program_address(&[crate::ID.as_ref()], &loader).0;
    crate::validate!(
        *program_data.key == expected && *program_data.owner == loader,
        PerpError::NotUpgradeAuthority,
        "program data {} is not the program's ({})",
        program_data.key,
        expected
    );
    let data = program_data.try_borrow_data()?;
    let authority = upgrade_authority(&data);
    crate::validate!(
        authority == Some(*admin),
        PerpError::NotUpgradeAuthority,
        "initializer {} is not the upgrade authority {:?}",
        admin,
        authority
    );
    Ok(())
}

/// The upgrade authority in a `ProgramData` account's data: the loader's state serialized with
/// bincode, `ProgramData` = variant 3 (u32), then the slot (u64) and `Option<Pubkey>` (a tag
/// byte, then the key). Read by hand: bincode's generic decoder would add tens of KiB to perp.so.
fn upgrade_authority(data: &[u8]) -> Option<Pubkey> {
    const PROGRAM_DATA: [u8; 4] = 3u32.to_le_bytes();
    if data.get(..4)? != PROGRAM_DATA || *data.get(12)? != 1 {
        return None;
    }
    let key: [u8; 32] = data.get(13..45)?.try_into().ok()?;
    Some(Pubkey::new_from_array(key))
}

pub fn handle_initialize_exchange(ctx: Context<InitializeExchange>, params: ExchangeParams) -> Result<()> {
    require_upgrade_authority(&ctx.accounts.program, &ctx.accounts.program_data, ctx.accounts.admin.key)?;
    params.validate()?;
    let a = &ctx.accounts;
    let mint = a.collateral_mint.to_account_info();
    let exchange_info = a.exchange.to_account_info();
    let vault_bump = [ctx.bumps.vault];
    create_vault(
        &a.admin,
        &a.vault,
        &[VAULT_SEED, &vault_bump],
        &mint,
        &exchange_info,
        &a.token_program,
        &a.system_program,
    )?;
    let insurance_bump = [ctx.bumps.insurance_vault];
    create_vault(
        &a.admin,
        &a.insurance_vault,
        &[INSURANCE_VAULT_SEED, &insurance_bump],
        &mint,
        &exchange_info,
        &a.token_program,
        &a.system_program,
    )?;
    let exchange = &mut ctx.accounts.exchange;
    exchange.set_inner(Exchange {
        admin: ctx.accounts.admin.key(),
        pending_admin: Pubkey::default(),
        collateral_mint: ctx.accounts.collateral_mint.key(),
        vault: ctx.accounts.vault.key(),
        insurance_vault: ctx.accounts.insurance_vault.key(),
        params,
        ledger: Ledger::default(),
        pause_flags: 0,
        bump: ctx.bumps.exchange,
        trader_count: 0,
    });
    emit_event!(ExchangeInitialized {
        admin: exchange.admin,
        collateral_mint: exchange.collateral_mint,
        vault: exchange.vault,
        insurance_vault: exchange.insurance_vault,
        params,
    });
    Ok(())
}

#[cfg(test)]
mod tests;
