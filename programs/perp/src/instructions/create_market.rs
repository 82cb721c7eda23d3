use anchor_lang::prelude::*;

use crate::engine::market_admin::require_funding_precision;
use crate::error::PerpError;
use crate::events::{MarketCreated, OraclePriceCached};
use crate::state::oracle::refresh_oracle_price;
use crate::state::{initialize_market, Exchange, MarketConfig, MarketHeader, MarketLayout};

#[derive(Accounts)]
pub struct CreateMarket<'info> {
    pub admin: Signer<'info>,
    #[account(has_one = admin @ PerpError::NotAdmin)]
    pub exchange: Box<Account<'info, Exchange>>,
    /// Created by the client with the system program in the same transaction (over 10 KiB:
    /// no CPI creation), sized with `market_account_size`.
    #[account(zero)]
    pub market: AccountLoader<'info, MarketHeader>,
    /// CHECK: the market's oracle, checked against `config` and read like `refresh_oracle` does.
    pub oracle: UncheckedAccount<'info>,
}

/// Admin: initializes a market in an account created by the system program in the same
/// transaction, on the oracle `config` names (its first price cached).
pub fn handle_create_market(ctx: Context<CreateMarket>, layout: MarketLayout, config: MarketConfig) -> Result<()> {
    let info = ctx.accounts.market.to_account_info();
    let now = Clock::get()?.unix_timestamp;
    let mut data = info.try_borrow_mut_data()?;
    let view = initialize_market(&mut data, &layout, &config, now)?;
    // A market starts on a working oracle, its first price cached, and a lot worth enough at it
    // for funding's rounding (issue #19 item 11).
    let price = refresh_oracle_price(view.header, &ctx.accounts.oracle.to_account_info(), now)?;
    require_funding_precision(view.header)?;
    let publish_time = view.header.oracle_publish_time;
    drop(data);
    emit_event!(OraclePriceCached { market: info.key(), price, publish_time });
    emit_event!(MarketCreated {
        market: info.key(),
        symbol: layout.symbol,
        tick_size: layout.tick_size,
        lot_size: layout.lot_size,
        order_capacity: layout.order_capacity,
        seat_capacity: layout.seat_capacity,
    });
    Ok(())
}
