use anchor_lang::prelude::*;

use crate::error::PerpError;
use crate::state::ExchangeParams;

/// Pause flag: no deposits.
pub const PAUSE_DEPOSITS: u8 = 1 << 0;
/// Pause flag: no withdrawals.
pub const PAUSE_WITHDRAWALS: u8 = 1 << 1;
/// Pause flag: no new risk (orders that can increase a position). Never stops liquidation,
/// funding, bankruptcy resolution or ADL.
pub const PAUSE_TRADING: u8 = 1 << 2;
/// Every flag the program knows.
pub const PAUSE_ALL: u8 = PAUSE_DEPOSITS | PAUSE_WITHDRAWALS | PAUSE_TRADING;

/// The exchange: one per program (PDA `["exchange"]`). It is the token authority of both vaults.
#[account]
#[derive(InitSpace, Debug)]
pub struct Exchange {
    pub admin: Pubkey,
    /// Proposed next admin; `Pubkey::default()` when none is pending.
    pub pending_admin: Pubkey,
    pub collateral_mint: Pubkey,
    /// Holds trader collateral and the fee pool.
    pub vault: Pubkey,
    /// Holds the insurance fund.
    pub insurance_vault: Pubkey,
    pub params: ExchangeParams,
    pub ledger: Ledger,
    pub pause_flags: u8,
    pub bump: u8,
    /// Open trader accounts.
    pub trader_count: u64,
}

/// The exchange's books, in collateral token units. Money rule 1: `total_collateral + fee_pool`
/// equals the vault's balance and `insurance_fund` the insurance vault's, after every instruction.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Default, InitSpace, Debug, PartialEq, Eq)]
pub struct Ledger {
    /// Sum of every trader account's collateral.
    pub total_collateral: u64,
    /// Trading fees kept by the exchange.
    pub fee_pool: u64,
    /// The insurance fund's balance.
    pub insurance_fund: u64,
    /// Cumulative deposits into trader accounts.
    pub total_deposited: u64,
    /// Cumulative withdrawals from trader accounts.
    pub total_withdrawn: u64,
    /// Cumulative top-ups of the insurance fund (`deposit_insurance`).
    pub total_insurance_deposited: u64,
    /// What else fed the insurance fund, cumulative, by source: its share of trading fees,
    /// its share of liquidation penalties, and funding's rounding dust. The fund's balance is
    /// always the sum of its sources less `insurance_drawn`; no admin instruction moves its money.
    pub insurance_from_fees: u64,
    pub insurance_from_penalties: u64,
    pub insurance_from_funding_dust: u64,
    /// Net gains of its positions in the markets (ADL counterparty and rounding dust), swept in.
    pub insurance_from_positions: u64,
    /// What it paid out, cumulative: draws into bankrupt accounts and its positions' net losses.
    pub insurance_drawn: u64,
    /// Losses no position could bear (the waterfall's last step, `engine::collateral::write_off`),
    /// cumulative: what the fee pool paid, and what was charged to every account's collateral.
    pub fee_pool_losses: u64,
    pub socialized_losses: u64,
    /// Of `socialized_losses`, what the accounts have not been charged yet (each is charged on
    /// its next touch). Money rule 1: the vault holds the books less this.
    pub socialized_loss_due: u64,
    /// The share of collateral socialized losses took within the current epoch, at 1e18
    /// (`engine::collateral::LOSS_INDEX_SCALE`), and the epoch (a new one starts when they took
    /// all of it); each trader account keeps the values it was last charged at.
    pub loss_index: u64,
    pub loss_epoch: u64,
}

impl Exchange {
    pub fn is_paused(&self, flag: u8) -> bool {
        self.pause_flags & flag != 0
    }

    pub fn require_not_paused(&self, flag: u8, error: PerpError) -> Result<()> {
        if self.is_paused(flag) {
            return Err(error.into());
        }
        Ok(())
    }
}
