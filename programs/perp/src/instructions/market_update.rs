// Anchor's `init` expands to a closure whose unoptimised MIR clippy sizes past 4 KiB; the frames
// that matter are the SBF build's, which the compute-unit suite runs (docs/compute-units.md).
#![allow(clippy::large_stack_frames)]
//! The timelock on market changes that can hurt open positions: the admin announces the new
//! parameters with a delay (a day to 30 days), anyone applies them once the delay has passed,
//! and the admin may cancel before. Each step emits its event.
use anchor_lang::prelude::*;

use crate::engine::market_admin::apply_market_config;
use crate::error::PerpError;
use crate::events::{MarketUpdateAnnounced, MarketUpdateApplied, MarketUpdateCancelled, MarketUpdated};
use crate::instructions::market_accounts::{require_market, LoadedMarket};
use crate::state::{
    Exchange, MarketConfig, MarketStatus, MarketUpdate, MARKET_UPDATE_SEED, MAX_MARKET_UPDATE_DELAY_SECS,
    MIN_MARKET_UPDATE_DELAY_SECS,
};

#[derive(Accounts)]
pub struct AnnounceMarketUpdate<'info> {
    #[account(mut)]
    pub admin: Signer<'info>,
    #[account(has_one = admin @ PerpError::NotAdmin)]
    pub exchange: Box<Account<'info, Exchange>>,
    /// CHECK: loaded as a market account of this program (owner and discriminator checked).
    pub market: UncheckedAccount<'info>,
    #[account(
        init,
        payer = admin,
        space = 8 + MarketUpdate::INIT_SPACE,
        seeds = [MARKET_UPDATE_SEED, market.key().as_ref()],
        bump
    )]
    pub update: Box<Account<'info, MarketUpdate>>,
    pub system_program: Program<'info, System>,
}

/// Admin: announces `config` and `status` for the market, applicable from `delay_secs` from now.
/// The parameters are range-checked now and again when applied. One announcement at a time per
/// market (cancel it to announce another).
pub fn handle_announce_market_update(
    ctx: Context<AnnounceMarketUpdate>,
    config: MarketConfig,
    status: MarketStatus,
    delay_secs: u32,
) -> Result<()> {
    crate::validate!(
        (MIN_MARKET_UPDATE_DELAY_SECS..=MAX_MARKET_UPDATE_DELAY_SECS).contains(&delay_secs),
        PerpError::InvalidTimelockDelay,
        "delay {} s outside {}..={}",
        delay_secs,
        MIN_MARKET_UPDATE_DELAY_SECS,
        MAX_MARKET_UPDATE_DELAY_SECS
    );
    let info = ctx.accounts.market.to_account_info();
    require_market(&info)?;
    config.validate()?;
    let now = Clock::get()?.unix_timestamp;
    let effective_at = now.checked_add(i64::from(delay_secs)).ok_or(PerpError::MathOverflow)?;
    let update = MarketUpdate {
        market: info.key(),
        admin: ctx.accounts.admin.key(),
        config,
        status: status as u8,
        announced_at: now,
        effective_at,
        bump: ctx.bumps.update,
    };
    ctx.accounts.update.set_inner(update);
    emit_event!(MarketUpdateAnnounced {
        market: info.key(),
        update: ctx.accounts.update.key(),
        status: status as u8,
        announced_at: now,
        effective_at,
    });
    Ok(())
}

#[derive(Accounts)]
pub struct ApplyMarketUpdate<'info> {
    /// CHECK: receives the announcement's rent; must be the admin who announced it.
    #[account(mut)]
    pub admin: UncheckedAccount<'info>,
    /// CHECK: loaded as a market account of this program (owner and discriminator checked).
    #[account(mut)]
    pub market: UncheckedAccount<'info>,
    #[account(
        mut,
        close = admin,
        has_one = market @ PerpError::ForeignMarket,
        has_one = admin @ PerpError::NotAdmin,
        seeds = [MARKET_UPDATE_SEED, market.key().as_ref()],
        bump = update.bump
    )]
    pub update: Box<Account<'info, MarketUpdate>>,
}

/// Permissionless once the delay has passed: applies the announced parameters and status.
pub fn handle_apply_market_update(ctx: Context<ApplyMarketUpdate>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let update = &ctx.accounts.update;
    crate::validate!(
        now >= update.effective_at,
        PerpError::TimelockNotElapsed,
        "announced update applies from {}, now {}",
        update.effective_at,
        now
    );
    let status = MarketStatus::try_from(update.status)?;
    let info = ctx.accounts.market.to_account_info();
    let mut market = LoadedMarket::load(&info)?;
    apply_market_config(market.view()?.header, &update.config, status, now)?;
    emit_event!(MarketUpdated { market: info.key(), status: update.status });
    emit_event!(MarketUpdateApplied {
        market: info.key(),
        update: update.key(),
        announced_at: update.announced_at,
        applied_at: now,
    });
    Ok(())
}

#[derive(Accounts)]
pub struct CancelMarketUpdate<'info> {
    #[account(mut)]
    pub admin: Signer<'info>,
    #[account(has_one = admin @ PerpError::NotAdmin)]
    pub exchange: Box<Account<'info, Exchange>>,
    /// CHECK: only its address: the announcement's seed.
    pub market: UncheckedAccount<'info>,
    #[account(
        mut,
        close = admin,
        has_one = market @ PerpError::ForeignMarket,
        seeds = [MARKET_UPDATE_SEED, market.key().as_ref()],
        bump = update.bump
    )]
    pub update: Box<Account<'info, MarketUpdate>>,
}

/// Admin: withdraws an announced update before (or after) its delay; its rent comes back.
pub fn handle_cancel_market_update(ctx: Context<CancelMarketUpdate>) -> Result<()> {
    emit_event!(MarketUpdateCancelled {
        market: ctx.accounts.market.key(),
        update: ctx.accounts.update.key(),
        announced_at: ctx.accounts.update.announced_at,
    });
    Ok(())
}
