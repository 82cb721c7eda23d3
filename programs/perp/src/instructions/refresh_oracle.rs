use anchor_lang::prelude::*;

use crate::events::OraclePriceCached;
use crate::instructions::market_accounts::LoadedMarket;
use crate::state::oracle::refresh_oracle_price;

#[derive(Accounts)]
pub struct RefreshOracle<'info> {
    /// CHECK: loaded as a market account of this program (owner and discriminator checked).
    #[account(mut)]
    pub market: UncheckedAccount<'info>,
    /// CHECK: checked against the market's oracle config (address or feed id, owner, guards).
    pub oracle: UncheckedAccount<'info>,
}

/// Permissionless: reads the market's oracle, validates it and caches the price in the market.
pub fn handle_refresh_oracle(ctx: Context<RefreshOracle>) -> Result<()> {
    let info = ctx.accounts.market.to_account_info();
    let mut market = LoadedMarket::load(&info)?;
    let view = market.view()?;
    let now = Clock::get()?.unix_timestamp;
    let price = refresh_oracle_price(view.header, &ctx.accounts.oracle.to_account_info(), now)?;
    emit_event!(OraclePriceCached { market: info.key(), price, publish_time: view.header.oracle_publish_time });
    Ok(())
}
