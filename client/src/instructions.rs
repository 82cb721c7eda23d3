//! Instruction builders: one function per program instruction, deriving every PDA.
use anchor_lang::{InstructionData, ToAccountMetas};
use perp::state::market_account_size;
use perp::{ExchangeParams, MarketConfig, MarketLayout, MarketStatus, OrderParams};
use solana_sdk::instruction::{AccountMeta, Instruction};
use solana_sdk::pubkey::Pubkey;

use crate::pda;

fn build(accounts: impl ToAccountMetas, data: impl InstructionData) -> Instruction {
    Instruction { program_id: perp::ID, accounts: accounts.to_account_metas(None), data: data.data() }
}

/// The classic SPL Token program (the only token program the exchange accepts).
fn token_program() -> Pubkey {
    anchor_spl::token::ID
}

pub fn initialize_exchange(admin: &Pubkey, collateral_mint: &Pubkey, params: ExchangeParams) -> Instruction {
    build(
        perp::accounts::InitializeExchange {
            admin: *admin,
            exchange: pda::exchange(),
            collateral_mint: *collateral_mint,
            vault: pda::vault(),
            insurance_vault: pda::insurance_vault(),
            token_program: token_program(),
            system_program: anchor_lang::system_program::ID,
            program: perp::ID,
            program_data: pda::program_data(),
        },
        perp::instruction::InitializeExchange { params },
    )
}

fn admin_only(admin: &Pubkey) -> perp::accounts::AdminOnly {
    perp::accounts::AdminOnly { admin: *admin, exchange: pda::exchange() }
}

pub fn set_exchange_params(admin: &Pubkey, params: ExchangeParams) -> Instruction {
    build(admin_only(admin), perp::instruction::SetExchangeParams { params })
}

pub fn set_pause_flags(admin: &Pubkey, flags: u8) -> Instruction {
    build(admin_only(admin), perp::instruction::SetPauseFlags { flags })
}

pub fn propose_admin(admin: &Pubkey, new_admin: &Pubkey) -> Instruction {
    build(admin_only(admin), perp::instruction::ProposeAdmin { new_admin: *new_admin })
}

pub fn accept_admin(new_admin: &Pubkey) -> Instruction {
    build(
        perp::accounts::AcceptAdmin { new_admin: *new_admin, exchange: pda::exchange() },
        perp::instruction::AcceptAdmin {},
    )
}

/// Opens `owner`'s trader account `sub_account_id`; `payer` funds its rent.
pub fn open_trader(owner: &Pubkey, payer: &Pubkey, sub_account_id: u16) -> Instruction {
    build(
        perp::accounts::OpenTrader {
            owner: *owner,
            payer: *payer,
            exchange: pda::exchange(),
            trader: pda::trader(owner, sub_account_id),
            system_program: anchor_lang::system_program::ID,
        },
        perp::instruction::OpenTrader { sub_account_id },
    )
}

/// Deposits `amount` token units from `source` (whose authority is `owner`).
pub fn deposit(owner: &Pubkey, sub_account_id: u16, source: &Pubkey, amount: u64) -> Instruction {
    build(
        perp::accounts::Deposit {
            owner: *owner,
            exchange: pda::exchange(),
            trader: pda::trader(owner, sub_account_id),
            source: *source,
            vault: pda::vault(),
            token_program: token_program(),
        },
        perp::instruction::Deposit { amount },
    )
}

/// Withdraws `amount` token units to `destination`.
pub fn withdraw(owner: &Pubkey, sub_account_id: u16, destination: &Pubkey, amount: u64) -> Instruction {
    build(
        perp::accounts::Withdraw {
            owner: *owner,
            exchange: pda::exchange(),
            trader: pda::trader(owner, sub_account_id),
            vault: pda::vault(),
            insurance_vault: pda::insurance_vault(),
            destination: *destination,
            token_program: token_program(),
        },
        perp::instruction::Withdraw { amount },
    )
}

pub fn deposit_insurance(depositor: &Pubkey, source: &Pubkey, amount: u64) -> Instruction {
    build(
        perp::accounts::DepositInsurance {
            depositor: *depositor,
            exchange: pda::exchange(),
            source: *source,
            insurance_vault: pda::insurance_vault(),
            token_program: token_program(),
        },
        perp::instruction::DepositInsurance { amount },
    )
}

/// Closes an empty trader account; its rent goes to `rent_receiver`.
pub fn close_trader(owner: &Pubkey, sub_account_id: u16, rent_receiver: &Pubkey) -> Instruction {
    build(
        perp::accounts::CloseTrader {
            owner: *owner,
            exchange: pda::exchange(),
            trader: pda::trader(owner, sub_account_id),
            rent_receiver: *rent_receiver,
        },
        perp::instruction::CloseTrader {},
    )
}

/// Appends the trader's markets (writable) as remaining accounts: what `deposit` settles.
pub fn with_markets(mut ix: Instruction, markets: &[Pubkey]) -> Instruction {
    ix.accounts.extend(markets.iter().map(|m| AccountMeta::new(*m, false)));
    ix
}

/// Appends a margin set as remaining accounts: each market (writable) followed by its oracle,
/// in the trader's slot order (`withdraw`, and `place_order` without the traded market).
pub fn with_margin_set(mut ix: Instruction, margin_set: &[(Pubkey, Pubkey)]) -> Instruction {
    for (market, oracle) in margin_set {
        ix.accounts.push(AccountMeta::new(*market, false));
        ix.accounts.push(AccountMeta::new_readonly(*oracle, false));
    }
    ix
}

/// The two instructions that create a market: the system program allocates the (large) account
/// owned by the program, then `create_market` initializes it. `rent_lamports` must make
/// `market_account_size(layout.order_capacity, layout.seat_capacity)` bytes rent-exempt.
pub fn create_market(
    admin: &Pubkey,
    payer: &Pubkey,
    market: &Pubkey,
    layout: MarketLayout,
    config: MarketConfig,
    rent_lamports: u64,
) -> Vec<Instruction> {
    let size = market_account_size(layout.order_capacity, layout.seat_capacity).unwrap_or(0) as u64;
    vec![
        solana_system_interface::instruction::create_account(payer, market, rent_lamports, size, &perp::ID),
        build(
            perp::accounts::CreateMarket {
                admin: *admin,
                exchange: pda::exchange(),
                market: *market,
                oracle: pda::oracle_account_of(config.oracle_kind, &config.oracle),
            },
            perp::instruction::CreateMarket { layout, config },
        ),
    ]
}

pub fn update_market(admin: &Pubkey, market: &Pubkey, config: MarketConfig, status: MarketStatus) -> Instruction {
    build(
        perp::accounts::UpdateMarket { admin: *admin, exchange: pda::exchange(), market: *market },
        perp::instruction::UpdateMarket { config, status },
    )
}

/// Announces `config` and `status` for `market`, applicable after `delay_secs` (the timelock).
pub fn announce_market_update(
    admin: &Pubkey,
    market: &Pubkey,
    config: MarketConfig,
    status: MarketStatus,
    delay_secs: u32,
) -> Instruction {
    build(
        perp::accounts::AnnounceMarketUpdate {
            admin: *admin,
            exchange: pda::exchange(),
            market: *market,
            update: pda::market_update(market),
            system_program: anchor_lang::system_program::ID,
        },
        perp::instruction::AnnounceMarketUpdate { config, status, delay_secs },
    )
}

/// Applies `market`'s announced update once its delay has passed (anyone may send it);
/// `announcer` (the admin who announced it) gets its rent back.
pub fn apply_market_update(announcer: &Pubkey, market: &Pubkey) -> Instruction {
    build(
        perp::accounts::ApplyMarketUpdate { admin: *announcer, market: *market, update: pda::market_update(market) },
        perp::instruction::ApplyMarketUpdate {},
    )
}

/// Withdraws `market`'s announced update.
pub fn cancel_market_update(admin: &Pubkey, market: &Pubkey) -> Instruction {
    build(
        perp::accounts::CancelMarketUpdate {
            admin: *admin,
            exchange: pda::exchange(),
            market: *market,
            update: pda::market_update(market),
        },
        perp::instruction::CancelMarketUpdate {},
    )
}

/// A keeper-pushed oracle of `symbol`, each push moving the price at most `max_move_ppm` per
/// second since the last.
pub fn create_push_oracle(
    admin: &Pubkey,
    symbol: [u8; 16],
    authority: &Pubkey,
    exponent: i32,
    max_move_ppm: u32,
) -> Instruction {
    build(
        perp::accounts::CreatePushOracle {
            admin: *admin,
            exchange: pda::exchange(),
            oracle: pda::push_oracle(&symbol),
            system_program: anchor_lang::system_program::ID,
        },
        perp::instruction::CreatePushOracle { symbol, authority: *authority, exponent, max_move_ppm },
    )
}

pub fn update_push_oracle(
    authority: &Pubkey,
    oracle: &Pubkey,
    price: i64,
    conf: u64,
    publish_time: i64,
) -> Instruction {
    build(
        perp::accounts::UpdatePushOracle { authority: *authority, oracle: *oracle },
        perp::instruction::UpdatePushOracle { price, conf, publish_time },
    )
}

pub fn refresh_oracle(market: &Pubkey, oracle: &Pubkey) -> Instruction {
    build(perp::accounts::RefreshOracle { market: *market, oracle: *oracle }, perp::instruction::RefreshOracle {})
}

/// Places an order in `market`; `margin_set` is the trader's other markets with their oracles.
pub fn place_order(
    owner: &Pubkey,
    sub_account_id: u16,
    market: &Pubkey,
    oracle: &Pubkey,
    params: OrderParams,
    margin_set: &[(Pubkey, Pubkey)],
) -> Instruction {
    let ix = build(
        perp::accounts::PlaceOrder {
            owner: *owner,
            exchange: pda::exchange(),
            trader: pda::trader(owner, sub_account_id),
            market: *market,
            oracle: *oracle,
            vault: pda::vault(),
            insurance_vault: pda::insurance_vault(),
            token_program: token_program(),
        },
        perp::instruction::PlaceOrder { params },
    );
    with_margin_set(ix, margin_set)
}

fn cancel_accounts(owner: &Pubkey, sub_account_id: u16, market: &Pubkey) -> perp::accounts::CancelOrders {
    perp::accounts::CancelOrders {
        owner: *owner,
        exchange: pda::exchange(),
        trader: pda::trader(owner, sub_account_id),
        market: *market,
    }
}

pub fn cancel_order(owner: &Pubkey, sub_account_id: u16, market: &Pubkey, client_order_id: u64) -> Instruction {
    let client_order_id = Some(client_order_id);
    build(cancel_accounts(owner, sub_account_id, market), perp::instruction::CancelOrders { client_order_id })
}

pub fn cancel_all_orders(owner: &Pubkey, sub_account_id: u16, market: &Pubkey) -> Instruction {
    build(cancel_accounts(owner, sub_account_id, market), perp::instruction::CancelOrders { client_order_id: None })
}

/// Permissionless funding crank: samples the premium, applies a due interval.
pub fn update_funding(market: &Pubkey, oracle: &Pubkey) -> Instruction {
    build(
        perp::accounts::UpdateFunding {
            exchange: pda::exchange(),
            market: *market,
            oracle: *oracle,
            vault: pda::vault(),
            insurance_vault: pda::insurance_vault(),
            token_program: token_program(),
        },
        perp::instruction::UpdateFunding {},
    )
}

/// Permissionless: settles the trader account `trader` against its markets (in its slot order).
pub fn settle_funding(trader: &Pubkey, markets: &[Pubkey]) -> Instruction {
    let ix = build(
        perp::accounts::SettleFunding { exchange: pda::exchange(), trader: *trader },
        perp::instruction::SettleFunding {},
    );
    with_markets(ix, markets)
}

/// Permissionless liquidation: the liquidator's account (`liquidator_owner`'s sub-account
/// `liquidator_sub_account`) takes over part of `liquidated`'s position in `market`, after its
/// orders there are cancelled (where it holds only orders, only that).
/// `margin_set` is `state::liquidation_markets` of both accounts, each market with its oracle.
pub fn liquidate(
    liquidator_owner: &Pubkey,
    liquidator_sub_account: u16,
    liquidated: &Pubkey,
    market: &Pubkey,
    oracle: &Pubkey,
    margin_set: &[(Pubkey, Pubkey)],
) -> Instruction {
    let ix = build(
        perp::accounts::Liquidate {
            liquidator_owner: *liquidator_owner,
            exchange: pda::exchange(),
            liquidator: pda::trader(liquidator_owner, liquidator_sub_account),
            liquidated: *liquidated,
            market: *market,
            oracle: *oracle,
            vault: pda::vault(),
            insurance_vault: pda::insurance_vault(),
            token_program: token_program(),
        },
        perp::instruction::Liquidate {},
    );
    with_margin_set(ix, margin_set)
}

/// Permissionless bankruptcy resolution of `trader` (an account below zero equity);
/// `margin_set` is all of its markets with their oracles, in its slot order.
pub fn resolve_bankruptcy(trader: &Pubkey, margin_set: &[(Pubkey, Pubkey)]) -> Instruction {
    let ix = build(
        perp::accounts::ResolveBankruptcy {
            exchange: pda::exchange(),
            trader: *trader,
            vault: pda::vault(),
            insurance_vault: pda::insurance_vault(),
            token_program: token_program(),
        },
        perp::instruction::ResolveBankruptcy {},
    );
    with_margin_set(ix, margin_set)
}

/// Creates `owner`'s associated token account of `mint` unless it exists (`CreateIdempotent`);
/// `payer` funds its rent.
pub fn create_associated_token_idempotent(payer: &Pubkey, owner: &Pubkey, mint: &Pubkey) -> Instruction {
    Instruction {
        program_id: pda::ASSOCIATED_TOKEN_PROGRAM,
        accounts: vec![
            AccountMeta::new(*payer, true),
            AccountMeta::new(pda::associated_token(owner, mint), false),
            AccountMeta::new_readonly(*owner, false),
            AccountMeta::new_readonly(*mint, false),
            AccountMeta::new_readonly(anchor_lang::system_program::ID, false),
            AccountMeta::new_readonly(token_program(), false),
        ],
        // The program's instruction tag: 0 Create, 1 CreateIdempotent.
        data: vec![1],
    }
}
