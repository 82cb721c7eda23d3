use anchor_lang::prelude::*;

use crate::error::PerpError;
use crate::events::MarketCreated;
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
}

pub fn handle_create_market(ctx: Context<CreateMarket>, layout: MarketLayout, config: MarketConfig) -> Result<()> {
    let info = ctx.accounts.market.to_account_info();
    let now = Clock::get()?.unix_timestamp;
    initialize_market(&mut info.try_borrow_mut_data()?, &layout, &config, now)?;
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
