//! Perpetual futures exchange: collateral vaults, trader accounts, perp markets with a crankless
//! order book, funding, and (in later steps) liquidation, the insurance fund and
//! auto-deleveraging. `#[program]` is thin: every handler lives in `instructions/`, pure math in
//! `math/`, state transitions in `engine/`.
#![allow(unexpected_cfgs)]
// Anchor's `#[program]` emits its instruction dispatcher at the crate root, where no attribute can
// reach it; clippy sizes its frame by adding up every arm's temporaries (about 200 bytes each), so
// past 20 instructions it crosses the 4,096-byte threshold although only one arm runs. The lint is
// allowed at the root for that function alone: every module of the crate denies it again below
// (`#[deny]` on each `mod`), and the SBF build's real frames are checked by running every
// instruction on perp.so (tests/tests/compute_units.rs).
#![allow(clippy::large_stack_frames)]

use anchor_lang::prelude::*;

/// Emits an Anchor event. On SBF this is `emit!` (the `sol_log_data` syscall: `Program data:`).
/// Anchor's native build drops event data, so natively it goes through the syscall stubs, which
/// the native runtimes here log into the transaction (perp-localnet's `event_logs`).
macro_rules! emit_event {
    ($event:expr) => {{
        let data = anchor_lang::Event::data(&$event);
        #[cfg(target_os = "solana")]
        anchor_lang::solana_program::log::sol_log_data(&[&data]);
        #[cfg(not(target_os = "solana"))]
        solana_sysvar::program_stubs::sol_log_data(&[&data]);
    }};
}

// The upstream-LLVM SBF build's builtins (see Cargo.toml).
#[cfg(all(target_os = "solana", target_arch = "bpf"))]
use sbf_i128 as _;
#[cfg(all(target_os = "solana", target_arch = "bpf"))]
use solana_compiler_builtins as _;

#[deny(clippy::large_stack_frames)]
pub mod engine;
#[deny(clippy::large_stack_frames)]
pub mod error;
#[deny(clippy::large_stack_frames)]
pub mod events;
#[deny(clippy::large_stack_frames)]
pub mod instructions;
#[deny(clippy::large_stack_frames)]
pub mod math;
#[deny(clippy::large_stack_frames)]
pub mod state;

pub use engine::orders::{OrderParams, OrderSide, OrderType};
pub use instructions::*;
pub use state::{ExchangeParams, MarketConfig, MarketLayout, MarketStatus};

declare_id!("Perp111111111111111111111111111111111111111");

// The `#[program]` module's generated wrappers: allowed for the reason at the crate root.
#[program]
pub mod perp {
    use super::*;

    /// Creates the exchange: admin, collateral mint, vault and insurance vault, parameter defaults.
    pub fn initialize_exchange(ctx: Context<InitializeExchange>, params: ExchangeParams) -> Result<()> {
        instructions::initialize_exchange::handle_initialize_exchange(ctx, params)
    }

    /// Admin: replaces the exchange's parameter defaults (range-checked).
    pub fn set_exchange_params(ctx: Context<AdminOnly>, params: ExchangeParams) -> Result<()> {
        instructions::admin::handle_set_exchange_params(ctx, params)
    }

    /// Admin: sets the pause flags (deposits, withdrawals, trading).
    pub fn set_pause_flags(ctx: Context<AdminOnly>, flags: u8) -> Result<()> {
        instructions::admin::handle_set_pause_flags(ctx, flags)
    }

    /// Admin, step 1 of 2: names the next admin (Pubkey::default() withdraws a proposal).
    pub fn propose_admin(ctx: Context<AdminOnly>, new_admin: Pubkey) -> Result<()> {
        instructions::admin::handle_propose_admin(ctx, new_admin)
    }

    /// Step 2 of 2: the proposed admin signs to take over.
    pub fn accept_admin(ctx: Context<AcceptAdmin>) -> Result<()> {
        instructions::admin::handle_accept_admin(ctx)
    }

    /// Opens a trader account for (owner, sub-account id). The owner may be a PDA signing by CPI.
    pub fn open_trader(ctx: Context<OpenTrader>, sub_account_id: u16) -> Result<()> {
        instructions::open_trader::handle_open_trader(ctx, sub_account_id)
    }

    /// Moves collateral from the owner's token account into the vault (remaining accounts: the
    /// trader's markets).
    pub fn deposit(ctx: Context<Deposit>, amount: u64) -> Result<()> {
        instructions::deposit::handle_deposit(ctx, amount)
    }

    /// Moves withdrawable collateral from the vault to a token account of the collateral mint
    /// (remaining accounts: the trader's markets, each with its oracle).
    pub fn withdraw(ctx: Context<Withdraw>, amount: u64) -> Result<()> {
        instructions::withdraw::handle_withdraw(ctx, amount)
    }

    /// Anyone tops up the insurance fund.
    pub fn deposit_insurance(ctx: Context<DepositInsurance>, amount: u64) -> Result<()> {
        instructions::deposit_insurance::handle_deposit_insurance(ctx, amount)
    }

    /// Admin: creates a market in an account the client created with the system program.
    pub fn create_market(ctx: Context<CreateMarket>, layout: MarketLayout, config: MarketConfig) -> Result<()> {
        instructions::create_market::handle_create_market(ctx, layout, config)
    }

    /// Admin: changes a market's parameters that only reduce traders' risk, and its status, at
    /// once; a change that can hurt open positions is refused (announce it instead).
    pub fn update_market(ctx: Context<UpdateMarket>, config: MarketConfig, status: MarketStatus) -> Result<()> {
        instructions::update_market::handle_update_market(ctx, config, status)
    }

    /// Admin: announces new parameters for a market, applicable after `delay_secs` (1 to 30 days).
    pub fn announce_market_update(
        ctx: Context<AnnounceMarketUpdate>,
        config: MarketConfig,
        status: MarketStatus,
        delay_secs: u32,
    ) -> Result<()> {
        instructions::market_update::handle_announce_market_update(ctx, config, status, delay_secs)
    }

    /// Permissionless after the delay: applies an announced market update.
    pub fn apply_market_update(ctx: Context<ApplyMarketUpdate>) -> Result<()> {
        instructions::market_update::handle_apply_market_update(ctx)
    }

    /// Admin: withdraws an announced market update.
    pub fn cancel_market_update(ctx: Context<CancelMarketUpdate>) -> Result<()> {
        instructions::market_update::handle_cancel_market_update(ctx)
    }

    /// Admin: creates a keeper-pushed oracle (PDA `["push_oracle", symbol]`).
    pub fn create_push_oracle(
        ctx: Context<CreatePushOracle>,
        symbol: [u8; 16],
        authority: Pubkey,
        exponent: i32,
        max_move_ppm: u32,
    ) -> Result<()> {
        instructions::push_oracle::handle_create_push_oracle(ctx, symbol, authority, exponent, max_move_ppm)
    }

    /// The oracle's authority publishes a price.
    pub fn update_push_oracle(ctx: Context<UpdatePushOracle>, price: i64, conf: u64, publish_time: i64) -> Result<()> {
        instructions::push_oracle::handle_update_push_oracle(ctx, price, conf, publish_time)
    }

    /// Permissionless: validates the market's oracle and caches its price.
    pub fn refresh_oracle(ctx: Context<RefreshOracle>) -> Result<()> {
        instructions::refresh_oracle::handle_refresh_oracle(ctx)
    }

    /// Places an order (remaining accounts: the trader's other markets, each with its oracle).
    pub fn place_order(ctx: Context<PlaceOrder>, params: OrderParams) -> Result<()> {
        instructions::place_order::handle_place_order(ctx, params)
    }

    /// Cancels the trader's order with this client order id, or all of its orders in the market
    /// (`None`).
    pub fn cancel_orders(ctx: Context<CancelOrders>, client_order_id: Option<u64>) -> Result<()> {
        instructions::cancel_orders::handle_cancel_orders(ctx, client_order_id)
    }

    /// Permissionless: samples the funding premium; at an interval boundary applies the rate.
    pub fn update_funding(ctx: Context<UpdateFunding>) -> Result<()> {
        instructions::update_funding::handle_update_funding(ctx)
    }

    /// Permissionless: settles a trader's seats (funding, PnL, fees) into its collateral
    /// (remaining accounts: the trader's markets).
    pub fn settle_funding(ctx: Context<SettleFunding>) -> Result<()> {
        instructions::settle_funding::handle_settle_funding(ctx)
    }

    /// Permissionless: cancels the orders in the market of an account below maintenance, and the
    /// liquidator's account takes over the least part of its position there that restores its
    /// margin (remaining accounts: both accounts' other markets with their oracles, see
    /// `state::liquidation_markets`). On a market where it holds only orders, it just cancels them.
    pub fn liquidate(ctx: Context<Liquidate>) -> Result<()> {
        instructions::liquidate::handle_liquidate(ctx)
    }

    /// Permissionless: resolves an account below zero equity (insurance fund, then pro-rata ADL
    /// through lazy side indices; remaining accounts: its markets with their oracles).
    pub fn resolve_bankruptcy(ctx: Context<ResolveBankruptcy>) -> Result<()> {
        instructions::resolve_bankruptcy::handle_resolve_bankruptcy(ctx)
    }

    /// Closes an empty trader account and returns its rent.
    pub fn close_trader(ctx: Context<CloseTrader>) -> Result<()> {
        instructions::close_trader::handle_close_trader(ctx)
    }
}
