use anchor_lang::prelude::*;

use crate::error::{PerpError, PerpResult};

/// Markets one trader account may be active in (cross margin over all of them).
pub const MAX_MARKETS_PER_TRADER: usize = 8;

/// A trader account: PDA `["trader", owner, sub_account_id (u16 LE)]`. Holds the trader's
/// collateral and, per market it is active in, where its seat is. `owner` sits right after the
/// discriminator (offset 8) so clients can find an owner's accounts with one memcmp filter.
#[account]
#[derive(InitSpace, Debug)]
pub struct Trader {
    pub owner: Pubkey,
    pub sub_account_id: u16,
    pub bump: u8,
    /// Collateral in token units.
    pub collateral: u64,
    /// The exchange's `Ledger::loss_index` and `loss_epoch` when this account was last charged
    /// its share of socialized losses (`engine::collateral::charge_socialized_loss`).
    pub loss_index: u64,
    pub loss_epoch: u64,
    /// The markets this trader holds a seat in; a slot with the default key is free. Margin
    /// instructions take these markets in this order.
    pub markets: [TraderMarket; MAX_MARKETS_PER_TRADER],
}

/// A market the trader is active in and its seat there.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Default, InitSpace, Debug, PartialEq, Eq)]
pub struct TraderMarket {
    pub market: Pubkey,
    pub seat: u32,
}

impl Trader {
    /// Byte offset of `owner` in the account data (after Anchor's 8-byte discriminator).
    pub const OWNER_OFFSET: usize = 8;

    /// Nothing left that closing the account would lose.
    pub fn is_empty(&self) -> bool {
        self.collateral == 0 && self.active_markets().next().is_none()
    }

    /// The markets the trader is active in, in slot order.
    pub fn active_markets(&self) -> impl Iterator<Item = &TraderMarket> {
        self.markets.iter().filter(|m| m.market != Pubkey::default())
    }

    /// The seat index the trader holds in `market`.
    pub fn seat_in(&self, market: &Pubkey) -> Option<u32> {
        self.active_markets().find(|m| m.market == *market).map(|m| m.seat)
    }

    /// Records a newly claimed seat in the first free slot.
    pub fn add_market(&mut self, market: Pubkey, seat: u32) -> PerpResult<()> {
        let slot = self.markets.iter_mut().find(|m| m.market == Pubkey::default()).ok_or(PerpError::TooManyMarkets)?;
        *slot = TraderMarket { market, seat };
        Ok(())
    }

    /// Forgets a released seat.
    pub fn remove_market(&mut self, market: &Pubkey) {
        if let Some(slot) = self.markets.iter_mut().find(|m| m.market == *market) {
            *slot = TraderMarket::default();
        }
    }
}

/// The markets a liquidation takes besides the liquidated market `primary`, in this order: the
/// liquidated account's, in its slot order, then the liquidator's that are not among them, in
/// its slot order (each followed by its oracle in the instruction's remaining accounts).
pub fn liquidation_markets(liquidated: &Trader, liquidator: &Trader, primary: &Pubkey) -> Vec<Pubkey> {
    let mut markets: Vec<Pubkey> = liquidated.active_markets().map(|m| m.market).filter(|m| m != primary).collect();
    for m in liquidator.active_markets() {
        if m.market != *primary && !markets.contains(&m.market) {
            markets.push(m.market);
        }
    }
    markets
}
