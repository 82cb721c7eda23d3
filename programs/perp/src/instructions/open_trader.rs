// Anchor's `init` expands to a closure whose unoptimised MIR clippy sizes past 4 KiB; the frames
// that matter are the SBF build's, which the compute-unit suite runs (docs/compute-units.md).
#![allow(clippy::large_stack_frames)]
use anchor_lang::prelude::*;

use crate::events::TraderOpened;
use crate::math::SafeMath;
use crate::state::{Exchange, Trader, TRADER_SEED};

#[derive(Accounts)]
#[instruction(sub_account_id: u16)]
pub struct OpenTrader<'info> {
    /// The trader account's owner: any signer, including a PDA signing by CPI.
    pub owner: Signer<'info>,
    #[account(mut)]
    pub payer: Signer<'info>,
    #[account(mut)]
    pub exchange: Box<Account<'info, Exchange>>,
    #[account(init, payer = payer, space = 8 + Trader::INIT_SPACE,
              seeds = [TRADER_SEED, owner.key().as_ref(), &sub_account_id.to_le_bytes()], bump)]
    pub trader: Box<Account<'info, Trader>>,
    pub system_program: Program<'info, System>,
}

pub fn handle_open_trader(ctx: Context<OpenTrader>, sub_account_id: u16) -> Result<()> {
    let exchange = &mut ctx.accounts.exchange;
    exchange.trader_count = exchange.trader_count.safe_add(1)?;
    let owner = ctx.accounts.owner.key();
    ctx.accounts.trader.set_inner(Trader {
        owner,
        sub_account_id,
        bump: ctx.bumps.trader,
        collateral: 0,
        loss_index: exchange.ledger.loss_index,
        loss_epoch: exchange.ledger.loss_epoch,
        markets: Default::default(),
    });
    emit_event!(TraderOpened { trader: ctx.accounts.trader.key(), owner, sub_account_id });
    Ok(())
}
