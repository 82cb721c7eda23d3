use anchor_lang::prelude::*;

/// A trader account: PDA `["trader", owner, sub_account_id (u16 LE)]`. Holds the trader's
/// collateral. `owner` sits right after the discriminator (offset 8) so clients can find an
/// owner's accounts with one memcmp filter.
#[account]
#[derive(InitSpace, Debug)]
pub struct Trader {
    pub owner: Pubkey,
    pub sub_account_id: u16,
    pub bump: u8,
    /// Collateral in token units.
    pub collateral: u64,
}

impl Trader {
    /// Byte offset of `owner` in the account data (after Anchor's 8-byte discriminator).
    pub const OWNER_OFFSET: usize = 8;

    /// Nothing left that closing the account would lose.
    pub fn is_empty(&self) -> bool {
        self.collateral == 0
    }
}
