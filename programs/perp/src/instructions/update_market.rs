use anchor_lang::prelude::*;

use crate::error::PerpError;
use crate::events::MarketUpdated;
use crate::instructions::market_accounts::LoadedMarket;
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

/// Replaces the market's parameters (all range-checked again) and sets its status.
pub fn handle_update_market(ctx: Context<UpdateMarket>, config: MarketConfig, status: MarketStatus) -> Result<()> {
    let info = ctx.accounts.market.to_account_info();
    let mut market = LoadedMarket::load(&info)?;
    let view = market.view()?;
    config.apply(view.header)?;
    view.header.status = status as u8;
    emit_event!(MarketUpdated { market: info.key(), status: status as u8 });
    Ok(())
}
