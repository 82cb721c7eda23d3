//! Instruction builders: one function per program instruction, deriving every PDA.
use anchor_lang::{InstructionData, ToAccountMetas};
use perp::ExchangeParams;
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;

use crate::pda;

fn build(accounts: impl ToAccountMetas, data: impl InstructionData) -> Instruction {
    Instruction { program_id: perp::ID, accounts: accounts.to_account_metas(None), data: data.data() }
}

/// The classic SPL Token program (the only token program the exchange accepts).
fn token_program() -> Pubkey {
    anchor_spl::token::ID
}

pub fn initialize_exchange(admin: &Pubkey, collateral_mint: &Pubkey, params: ExchangeParams) -> Instruction {
    build(
        perp::accounts::InitializeExchange {
            admin: *admin,
            exchange: pda::exchange(),
            collateral_mint: *collateral_mint,
            vault: pda::vault(),
            insurance_vault: pda::insurance_vault(),
            token_program: token_program(),
            system_program: anchor_lang::system_program::ID,
        },
        perp::instruction::InitializeExchange { params },
    )
}

fn admin_only(admin: &Pubkey) -> perp::accounts::AdminOnly {
    perp::accounts::AdminOnly { admin: *admin, exchange: pda::exchange() }
}

pub fn set_exchange_params(admin: &Pubkey, params: ExchangeParams) -> Instruction {
    build(admin_only(admin), perp::instruction::SetExchangeParams { params })
}

pub fn set_pause_flags(admin: &Pubkey, flags: u8) -> Instruction {
    build(admin_only(admin), perp::instruction::SetPauseFlags { flags })
}

pub fn propose_admin(admin: &Pubkey, new_admin: &Pubkey) -> Instruction {
    build(admin_only(admin), perp::instruction::ProposeAdmin { new_admin: *new_admin })
}

pub fn accept_admin(new_admin: &Pubkey) -> Instruction {
    build(
        perp::accounts::AcceptAdmin { new_admin: *new_admin, exchange: pda::exchange() },
        perp::instruction::AcceptAdmin {},
    )
}

/// Opens `owner`'s trader account `sub_account_id`; `payer` funds its rent.
pub fn open_trader(owner: &Pubkey, payer: &Pubkey, sub_account_id: u16) -> Instruction {
    build(
        perp::accounts::OpenTrader {
            owner: *owner,
            payer: *payer,
            exchange: pda::exchange(),
            trader: pda::trader(owner, sub_account_id),
            system_program: anchor_lang::system_program::ID,
        },
        perp::instruction::OpenTrader { sub_account_id },
    )
}

/// Deposits `amount` token units from `source` (whose authority is `owner`).
pub fn deposit(owner: &Pubkey, sub_account_id: u16, source: &Pubkey, amount: u64) -> Instruction {
    build(
        perp::accounts::Deposit {
            owner: *owner,
            exchange: pda::exchange(),
            trader: pda::trader(owner, sub_account_id),
            source: *source,
            vault: pda::vault(),
            token_program: token_program(),
        },
        perp::instruction::Deposit { amount },
    )
}

/// Withdraws `amount` token units to `destination`.
pub fn withdraw(owner: &Pubkey, sub_account_id: u16, destination: &Pubkey, amount: u64) -> Instruction {
    build(
        perp::accounts::Withdraw {
            owner: *owner,
            exchange: pda::exchange(),
            trader: pda::trader(owner, sub_account_id),
            vault: pda::vault(),
            destination: *destination,
            token_program: token_program(),
        },
        perp::instruction::Withdraw { amount },
    )
}

pub fn deposit_insurance(depositor: &Pubkey, source: &Pubkey, amount: u64) -> Instruction {
    build(
        perp::accounts::DepositInsurance {
            depositor: *depositor,
            exchange: pda::exchange(),
            source: *source,
            insurance_vault: pda::insurance_vault(),
            token_program: token_program(),
        },
        perp::instruction::DepositInsurance { amount },
    )
}

/// Closes an empty trader account; its rent goes to `rent_receiver`.
pub fn close_trader(owner: &Pubkey, sub_account_id: u16, rent_receiver: &Pubkey) -> Instruction {
    build(
        perp::accounts::CloseTrader {
            owner: *owner,
            exchange: pda::exchange(),
            trader: pda::trader(owner, sub_account_id),
            rent_receiver: *rent_receiver,
        },
        perp::instruction::CloseTrader {},
    )
}
