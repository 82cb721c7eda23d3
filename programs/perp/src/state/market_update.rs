//! A change of a market's parameters announced behind the timelock: PDA
//! `["market_update", market]`, one at a time per market, created by `announce_market_update`,
//! closed (rent to the admin who announced it) by `apply_market_update` or
//! `cancel_market_update`.
use anchor_lang::prelude::*;

use crate::state::market_config::MarketConfig;

/// Shortest and longest delay an announcement may set, seconds: at least a day for traders to
/// see the change coming (and close, or top up), at most 30 days.
pub const MIN_MARKET_UPDATE_DELAY_SECS: u32 = 86_400;
pub const MAX_MARKET_UPDATE_DELAY_SECS: u32 = 30 * 86_400;

#[account]
#[derive(InitSpace, Debug)]
pub struct MarketUpdate {
    pub market: Pubkey,
    /// Who announced it (its rent goes back there).
    pub admin: Pubkey,
    pub config: MarketConfig,
    /// `MarketStatus` as `u8`.
    pub status: u8,
    pub announced_at: i64,
    /// From when anyone may apply it.
    pub effective_at: i64,
    pub bump: u8,
}
