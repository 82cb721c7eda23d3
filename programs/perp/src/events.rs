//! Events: every state change that moves value or permissions emits one, with the figures.
use anchor_lang::prelude::*;

use crate::state::ExchangeParams;

#[event]
pub struct ExchangeInitialized {
    pub admin: Pubkey,
    pub collateral_mint: Pubkey,
    pub vault: Pubkey,
    pub insurance_vault: Pubkey,
    pub params: ExchangeParams,
}

#[event]
pub struct ExchangeParamsSet {
    pub params: ExchangeParams,
}

#[event]
pub struct PauseFlagsSet {
    pub old_flags: u8,
    pub new_flags: u8,
}

#[event]
pub struct AdminProposed {
    pub admin: Pubkey,
    pub proposed: Pubkey,
}

#[event]
pub struct AdminAccepted {
    pub old_admin: Pubkey,
    pub new_admin: Pubkey,
}

#[event]
pub struct TraderOpened {
    pub trader: Pubkey,
    pub owner: Pubkey,
    pub sub_account_id: u16,
}

#[event]
pub struct TraderClosed {
    pub trader: Pubkey,
    pub owner: Pubkey,
    pub rent_receiver: Pubkey,
}

/// Collateral moved in (`amount` > 0) or out; `collateral_after` is the trader's collateral after it.
#[event]
pub struct CollateralDeposited {
    pub trader: Pubkey,
    pub amount: u64,
    pub collateral_after: u64,
}

#[event]
pub struct CollateralWithdrawn {
    pub trader: Pubkey,
    pub amount: u64,
    pub collateral_after: u64,
}

#[event]
pub struct InsuranceDeposited {
    pub depositor: Pubkey,
    pub amount: u64,
    pub insurance_fund_after: u64,
}
