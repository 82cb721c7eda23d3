// Anchor's `init` expands to a closure whose unoptimised MIR clippy sizes past 4 KiB; the frames
// that matter are the SBF build's, which the compute-unit suite runs (docs/compute-units.md).
#![allow(clippy::large_stack_frames)]
use anchor_lang::prelude::*;

use crate::error::PerpError;
use crate::events::PushOracleUpdated;
use crate::math::oracle::{MAX_ORACLE_EXPONENT, MIN_ORACLE_EXPONENT};
use crate::state::{Exchange, PushOracle, MAX_PUSH_MOVE_PPM, PUSH_ORACLE_SEED};

#[derive(Accounts)]
#[instruction(symbol: [u8; 16])]
pub struct CreatePushOracle<'info> {
    #[account(mut)]
    pub admin: Signer<'info>,
    #[account(has_one = admin @ PerpError::NotAdmin)]
    pub exchange: Box<Account<'info, Exchange>>,
    #[account(init, payer = admin, space = 8 + PushOracle::INIT_SPACE, seeds = [PUSH_ORACLE_SEED, &symbol], bump)]
    pub oracle: Box<Account<'info, PushOracle>>,
    pub system_program: Program<'info, System>,
}

/// Admin: creates a keeper-pushed oracle whose prices `authority` signs, each push moving the
/// price at most `max_move_ppm` per second since the last.
pub fn handle_create_push_oracle(
    ctx: Context<CreatePushOracle>,
    symbol: [u8; 16],
    authority: Pubkey,
    exponent: i32,
    max_move_ppm: u32,
) -> Result<()> {
    require!((MIN_ORACLE_EXPONENT..=MAX_ORACLE_EXPONENT).contains(&exponent), PerpError::OracleExponentOutOfRange);
    crate::validate!(
        max_move_ppm > 0 && max_move_ppm <= MAX_PUSH_MOVE_PPM,
        PerpError::InvalidOracleConfig,
        "push move cap {} ppm per second",
        max_move_ppm
    );
    let oracle = PushOracle { authority, symbol, price: 0, conf: 0, exponent, publish_time: 0, max_move_ppm };
    ctx.accounts.oracle.set_inner(oracle);
    Ok(())
}

#[derive(Accounts)]
pub struct UpdatePushOracle<'info> {
    pub authority: Signer<'info>,
    #[account(mut, has_one = authority @ PerpError::NotOracleAuthority)]
    pub oracle: Box<Account<'info, PushOracle>>,
}

/// The oracle's authority publishes a price (positive, strictly later publish time, not ahead of
/// the clock by more than `MAX_ORACLE_CLOCK_SKEW_SECS`).
pub fn handle_update_push_oracle(
    ctx: Context<UpdatePushOracle>,
    price: i64,
    conf: u64,
    publish_time: i64,
) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let oracle = &mut ctx.accounts.oracle;
    oracle.update(price, conf, publish_time, now)?;
    emit_event!(PushOracleUpdated { oracle: oracle.key(), price, conf, exponent: oracle.exponent, publish_time });
    Ok(())
}
