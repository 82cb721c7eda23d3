use anchor_lang::prelude::*;

use crate::error::PerpError;
use crate::events::MarketCreated;
use crate::state::book::NIL;
use crate::state::{market_account_size, Exchange, MarketConfig, MarketHeader, MarketLayout, MarketStatus, MarketView};

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
    layout.validate()?;
    let info = ctx.accounts.market.to_account_info();
    let expected =
        market_account_size(layout.order_capacity, layout.seat_capacity).ok_or(PerpError::InvalidCapacity)?;
    require_eq!(info.data_len(), expected, PerpError::WrongMarketAccountSize);
    let mut data = info.try_borrow_mut_data()?;
    let body = data.get_mut(8..).ok_or(PerpError::WrongMarketAccountSize)?;
    let (header_bytes, rest) = body.split_at_mut(core::mem::size_of::<MarketHeader>());
    let header: &mut MarketHeader =
        bytemuck::try_from_bytes_mut(header_bytes).map_err(|_| PerpError::WrongMarketAccountSize)?;
    config.apply(header)?;
    header.symbol = layout.symbol;
    header.tick_size = layout.tick_size;
    header.lot_size = layout.lot_size;
    header.order_capacity = layout.order_capacity;
    header.seat_capacity = layout.seat_capacity;
    header.status = MarketStatus::Active as u8;
    header.next_order_seq = 1;
    header.free_seat_head = NIL;
    header.bids.init();
    header.asks.init();
    // Proves the layout splits as sized.
    MarketView::split(header, rest)?;
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
