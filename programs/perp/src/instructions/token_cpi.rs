//! SPL Token CPIs: creating the vaults, and transfers into and out of them.
use anchor_lang::prelude::*;
use anchor_lang::solana_program::program_pack::Pack;
use anchor_lang::system_program::{self, Allocate, Assign, CreateAccount, Transfer as SystemTransfer};
use anchor_spl::token::spl_token::state::Account as SplTokenAccount;
use anchor_spl::token::{self, InitializeAccount3, Token, TokenAccount, Transfer};

use crate::state::{Exchange, EXCHANGE_SEED};

/// Moves `amount` from a user's token account, signed by its authority.
pub fn transfer_in<'info>(
    token_program: &Program<'info, Token>,
    from: &Account<'info, TokenAccount>,
    to: &Account<'info, TokenAccount>,
    authority: &Signer<'info>,
    amount: u64,
) -> Result<()> {
    let accounts =
        Transfer { from: from.to_account_info(), to: to.to_account_info(), authority: authority.to_account_info() };
    token::transfer(CpiContext::new(token_program.key(), accounts), amount)
}

/// Moves `amount` out of a vault, signed by the exchange PDA (the vaults' authority); nothing
/// (no CPI) for zero.
pub fn transfer_out<'info>(
    token_program: &Program<'info, Token>,
    exchange: &Account<'info, Exchange>,
    from: &AccountInfo<'info>,
    to: &AccountInfo<'info>,
    amount: u64,
) -> Result<()> {
    if amount == 0 {
        return Ok(());
    }
    let bump = [exchange.bump];
    let seeds: &[&[u8]] = &[EXCHANGE_SEED, &bump];
    let signer = &[seeds];
    let accounts =
        Transfer { from: from.to_account_info(), to: to.to_account_info(), authority: exchange.to_account_info() };
    token::transfer(CpiContext::new_with_signer(token_program.key(), accounts, signer), amount)
}

/// Creates the token account at the PDA `seeds` (`account`) for `mint`, owned by the exchange.
/// Done by hand rather than with Anchor's `init, token::...`, which needs anchor-spl's Token-2022
/// feature (and its dependency tree) even for classic SPL Token accounts.
#[allow(clippy::too_many_arguments)]
pub fn create_vault<'info>(
    payer: &Signer<'info>,
    account: &UncheckedAccount<'info>,
    seeds: &[&[u8]],
    mint: &AccountInfo<'info>,
    exchange: &AccountInfo<'info>,
    token_program: &Program<'info, Token>,
    system_program: &Program<'info, System>,
) -> Result<()> {
    let lamports = Rent::get()?.minimum_balance(SplTokenAccount::LEN);
    let held = account.lamports();
    if held == 0 {
        let create = CreateAccount { from: payer.to_account_info(), to: account.to_account_info() };
        system_program::create_account(
            CpiContext::new_with_signer(system_program.key(), create, &[seeds]),
            lamports,
            SplTokenAccount::LEN as u64,
            &token::ID,
        )?;
    } else {
        // Someone sent lamports to the address first (which makes `create_account` fail, and
        // would block the exchange's creation for good): top it up, then allocate and assign.
        if held < lamports {
            let top_up = SystemTransfer { from: payer.to_account_info(), to: account.to_account_info() };
            system_program::transfer(CpiContext::new(system_program.key(), top_up), lamports - held)?;
        }
        let allocate = Allocate { account_to_allocate: account.to_account_info() };
        system_program::allocate(
            CpiContext::new_with_signer(system_program.key(), allocate, &[seeds]),
            SplTokenAccount::LEN as u64,
        )?;
        let assign = Assign { account_to_assign: account.to_account_info() };
        system_program::assign(CpiContext::new_with_signer(system_program.key(), assign, &[seeds]), &token::ID)?;
    }
    let init =
        InitializeAccount3 { account: account.to_account_info(), mint: mint.clone(), authority: exchange.clone() };
    token::initialize_account3(CpiContext::new(token_program.key(), init))
}
