use anchor_lang::prelude::*;

use crate::error::PerpError;
use crate::events::TraderClosed;
use crate::math::SafeMath;
use crate::state::{Exchange, Trader};

#[derive(Accounts)]
pub struct CloseTrader<'info> {
    pub owner: Signer<'info>,
    #[account(mut)]
    pub exchange: Box<Account<'info, Exchange>>,
    #[account(mut, has_one = owner @ PerpError::NotTraderOwner, close = rent_receiver)]
    pub trader: Box<Account<'info, Trader>>,
    /// CHECK: any account the owner names receives the rent.
    #[account(mut)]
    pub rent_receiver: UncheckedAccount<'info>,
}

pub fn handle_close_trader(ctx: Context<CloseTrader>) -> Result<()> {
    require!(ctx.accounts.trader.is_empty(), PerpError::TraderNotEmpty);
    let exchange = &mut ctx.accounts.exchange;
    exchange.trader_count = exchange.trader_count.safe_sub(1)?;
    emit_event!(TraderClosed {
        trader: ctx.accounts.trader.key(),
        owner: ctx.accounts.owner.key(),
        rent_receiver: ctx.accounts.rent_receiver.key(),
    });
    Ok(())
}
