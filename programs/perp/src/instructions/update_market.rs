use anchor_lang::prelude::*;

use crate::engine::funding::funding_due;
use crate::error::PerpError;
use crate::events::MarketUpdated;
use crate::instructions::market_accounts::LoadedMarket;
use crate::math::funding::interval_start;
use crate::state::{Exchange, MarketConfig, MarketStatus};

#[derive(Accounts)]
pub struct UpdateMarket<'info> {
    pub admin: Signer<'info>,
    #[account(has_one = admin @ PerpError::NotAdmin)]
    pub exchange: Box<Account<'info, Exchange>>,
    /// CHECK: loaded as a market account of this program (owner and discriminator checked).
    #[account(mut)]
    pub market: UncheckedAccount<'info>,
}

/// Replaces the market's parameters (all range-checked again) and sets its status. A new funding
/// interval takes effect at once: the current interval is re-aligned to the new length (its
/// samples kept), so the next boundary is the new interval's next UTC-aligned one; it is
/// refused while an interval is due (`FundingDue`: crank `update_funding` first).
pub fn handle_update_market(ctx: Context<UpdateMarket>, config: MarketConfig, status: MarketStatus) -> Result<()> {
    let info = ctx.accounts.market.to_account_info();
    let mut market = LoadedMarket::load(&info)?;
    let view = market.view()?;
    let old_interval = view.header.funding_interval_secs;
    let now = Clock::get()?.unix_timestamp;
    if config.funding_interval_secs != old_interval && funding_due(view.header, now)? {
        // The due interval is applied at the old length first (update_funding), never merged.
        return Err(PerpError::FundingDue.into());
    }
    let old_oracle = (view.header.oracle_kind, view.header.oracle);
    config.apply(view.header)?;
    if (view.header.oracle_kind, view.header.oracle) != old_oracle {
        // A new oracle has its own clock: the cached publish time must not hold it back.
        view.header.oracle_publish_time = 0;
    }
    if view.header.funding_interval_secs != old_interval {
        view.header.funding_interval_start = interval_start(now, view.header.funding_interval_secs)?;
    }
    view.header.status = status as u8;
    emit_event!(MarketUpdated { market: info.key(), status: status as u8 });
    Ok(())
}
