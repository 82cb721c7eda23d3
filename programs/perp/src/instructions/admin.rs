use anchor_lang::prelude::*;

use crate::error::PerpError;
use crate::events::{AdminAccepted, AdminProposed, ExchangeParamsSet, PauseFlagsSet};
use crate::state::{Exchange, ExchangeParams, PAUSE_ALL};

/// Accounts of every admin-only instruction: the exchange and its admin's signature.
#[derive(Accounts)]
pub struct AdminOnly<'info> {
    pub admin: Signer<'info>,
    #[account(mut, has_one = admin @ PerpError::NotAdmin)]
    pub exchange: Box<Account<'info, Exchange>>,
}

#[derive(Accounts)]
pub struct AcceptAdmin<'info> {
    pub new_admin: Signer<'info>,
    #[account(mut)]
    pub exchange: Box<Account<'info, Exchange>>,
}

pub fn handle_set_exchange_params(ctx: Context<AdminOnly>, params: ExchangeParams) -> Result<()> {
    params.validate()?;
    ctx.accounts.exchange.params = params;
    emit_event!(ExchangeParamsSet { params });
    Ok(())
}

pub fn handle_set_pause_flags(ctx: Context<AdminOnly>, flags: u8) -> Result<()> {
    require!(flags & !PAUSE_ALL == 0, PerpError::UnknownPauseFlag);
    let exchange = &mut ctx.accounts.exchange;
    let old_flags = exchange.pause_flags;
    exchange.pause_flags = flags;
    emit_event!(PauseFlagsSet { old_flags, new_flags: flags });
    Ok(())
}

pub fn handle_propose_admin(ctx: Context<AdminOnly>, new_admin: Pubkey) -> Result<()> {
    let exchange = &mut ctx.accounts.exchange;
    exchange.pending_admin = new_admin;
    emit_event!(AdminProposed { admin: exchange.admin, proposed: new_admin });
    Ok(())
}

pub fn handle_accept_admin(ctx: Context<AcceptAdmin>) -> Result<()> {
    let exchange = &mut ctx.accounts.exchange;
    require!(exchange.pending_admin != Pubkey::default(), PerpError::NoPendingAdmin);
    require_keys_eq!(exchange.pending_admin, ctx.accounts.new_admin.key(), PerpError::NotPendingAdmin);
    let old_admin = exchange.admin;
    exchange.admin = exchange.pending_admin;
    exchange.pending_admin = Pubkey::default();
    emit_event!(AdminAccepted { old_admin, new_admin: exchange.admin });
    Ok(())
}
