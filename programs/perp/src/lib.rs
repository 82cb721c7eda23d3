//! Perpetual futures exchange: collateral vaults, trader accounts and (in later steps) markets,
//! funding, the insurance fund and auto-deleveraging. `#[program]` is thin: every handler lives in
//! `instructions/`, pure math in `math/`, state transitions in `engine/`.
#![allow(unexpected_cfgs)]

use anchor_lang::prelude::*;

/// Emits an Anchor event. On SBF this is `emit!` (the `sol_log_data` syscall: `Program data:`).
/// Anchor's native build drops event data, so natively it goes through the syscall stubs, which
/// the native runtimes here log into the transaction (perp-migrations' `event_logs`).
macro_rules! emit_event {
    ($event:expr) => {{
        let data = anchor_lang::Event::data(&$event);
        #[cfg(target_os = "solana")]
        anchor_lang::solana_program::log::sol_log_data(&[&data]);
        #[cfg(not(target_os = "solana"))]
        solana_sysvar::program_stubs::sol_log_data(&[&data]);
    }};
}

pub mod engine;
pub mod error;
pub mod events;
pub mod instructions;
pub mod math;
pub mod state;

pub use instructions::*;
pub use state::ExchangeParams;

declare_id!("Perp111111111111111111111111111111111111111");

#[program]
pub mod perp {
    use super::*;

    /// Creates the exchange: admin, collateral mint, vault and insurance vault, parameter defaults.
    pub fn initialize_exchange(ctx: Context<InitializeExchange>, params: ExchangeParams) -> Result<()> {
        instructions::initialize_exchange::handle_initialize_exchange(ctx, params)
    }

    /// Admin: replaces the exchange's parameter defaults (range-checked).
    pub fn set_exchange_params(ctx: Context<AdminOnly>, params: ExchangeParams) -> Result<()> {
        instructions::admin::handle_set_exchange_params(ctx, params)
    }

    /// Admin: sets the pause flags (deposits, withdrawals, trading).
    pub fn set_pause_flags(ctx: Context<AdminOnly>, flags: u8) -> Result<()> {
        instructions::admin::handle_set_pause_flags(ctx, flags)
    }

    /// Admin, step 1 of 2: names the next admin (Pubkey::default() withdraws a proposal).
    pub fn propose_admin(ctx: Context<AdminOnly>, new_admin: Pubkey) -> Result<()> {
        instructions::admin::handle_propose_admin(ctx, new_admin)
    }

    /// Step 2 of 2: the proposed admin signs to take over.
    pub fn accept_admin(ctx: Context<AcceptAdmin>) -> Result<()> {
        instructions::admin::handle_accept_admin(ctx)
    }

    /// Opens a trader account for (owner, sub-account id). The owner may be a PDA signing by CPI.
    pub fn open_trader(ctx: Context<OpenTrader>, sub_account_id: u16) -> Result<()> {
        instructions::open_trader::handle_open_trader(ctx, sub_account_id)
    }

    /// Moves collateral from the owner's token account into the vault.
    pub fn deposit(ctx: Context<Deposit>, amount: u64) -> Result<()> {
        instructions::deposit::handle_deposit(ctx, amount)
    }

    /// Moves withdrawable collateral from the vault to a token account of the collateral mint.
    pub fn withdraw(ctx: Context<Withdraw>, amount: u64) -> Result<()> {
        instructions::withdraw::handle_withdraw(ctx, amount)
    }

    /// Anyone tops up the insurance fund.
    pub fn deposit_insurance(ctx: Context<DepositInsurance>, amount: u64) -> Result<()> {
        instructions::deposit_insurance::handle_deposit_insurance(ctx, amount)
    }

    /// Closes an empty trader account and returns its rent.
    pub fn close_trader(ctx: Context<CloseTrader>) -> Result<()> {
        instructions::close_trader::handle_close_trader(ctx)
    }
}
