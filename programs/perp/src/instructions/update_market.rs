use anchor_lang::prelude::*;

use crate::engine::market_admin::{apply_market_config, timelocked_change};
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

/// Admin: changes that only reduce traders' risk, at once (`engine::market_admin` has the rule
/// per parameter); a change that can hurt open positions is refused with
/// `MarketChangeNeedsTimelock` and goes through `announce_market_update` instead.
pub fn handle_update_market(ctx: Context<UpdateMarket>, config: MarketConfig, status: MarketStatus) -> Result<()> {
    let info = ctx.accounts.market.to_account_info();
    let mut market = LoadedMarket::load(&info)?;
    let view = market.view()?;
    let change = timelocked_change(view.header, &config)?;
    crate::validate!(
        change.is_none(),
        PerpError::MarketChangeNeedsTimelock,
        "{} can hurt open positions: announce it",
        change.unwrap_or_default()
    );
    apply_market_config(view.header, &config, status, Clock::get()?.unix_timestamp)?;
    emit_event!(MarketUpdated { market: info.key(), status: status as u8 });
    Ok(())
}
