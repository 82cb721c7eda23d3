//! The instructions that bring an exchange up from a config: shared by the localnet and a real
//! deployment (where the collateral mint already exists, e.g. USDC).
use anchor_spl::token::spl_token;
use perp_client::instructions;
use solana_sdk::instruction::Instruction;
use solana_sdk::program_pack::Pack;
use solana_sdk::pubkey::Pubkey;

use perp_client::chain::Chain;
use solana_sdk::signature::{Keypair, Signer};

use crate::config::{Config, MarketToml};
use crate::tokens;
use perp::math::PRICE_PRECISION;
use perp::state::market_account_size;
use perp::{MarketConfig, MarketLayout};
use perp_client::pda;
use solana_sdk::clock::Clock;

/// A bootstrapped localnet exchange: who runs it, the collateral mint it created, and its
/// markets with the keypair that pushes their oracles.
pub struct Deployment {
    pub admin: Keypair,
    pub mint: Pubkey,
    pub mint_authority: Keypair,
    pub oracle_authority: Keypair,
    pub markets: Vec<DeployedMarket>,
}

/// A market the bootstrap created, on its keeper-pushed oracle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeployedMarket {
    pub symbol: String,
    pub address: Pubkey,
    pub oracle: Pubkey,
}

/// On a fresh chain: funds an admin, creates a 6-decimal collateral mint, creates the exchange
/// from `config` with its insurance fund seeded, then each of its markets.
pub async fn bootstrap_with_new_mint(chain: &mut impl Chain, config: &Config) -> anyhow::Result<Deployment> {
    let admin = tokens::funded_keypair(chain).await?;
    bootstrap_with_admin(chain, config, admin).await
}

/// As `bootstrap_with_new_mint`, with `admin` (funded) as the exchange's admin: on a chain where
/// the program is deployed upgradeable, its upgrade authority (`initialize_exchange` insists).
pub async fn bootstrap_with_admin(
    chain: &mut impl Chain,
    config: &Config,
    admin: Keypair,
) -> anyhow::Result<Deployment> {
    let mint_authority = Keypair::new();
    let mint = tokens::create_mint(chain, &mint_authority.pubkey(), perp::math::COLLATERAL_DECIMALS).await?;
    let insurance_source = tokens::create_token_account(chain, &mint, &admin.pubkey()).await?;
    tokens::mint_to(chain, &mint, &mint_authority, &insurance_source, config.exchange.insurance_fund_units()?).await?;
    let ixs = exchange_instructions(config, &admin.pubkey(), &mint, &insurance_source)?;
    chain.send(&ixs, &[&admin]).await?;
    let oracle_authority = tokens::funded_keypair(chain).await?;
    let mut markets = Vec::with_capacity(config.markets.len());
    for market in &config.markets {
        markets.push(create_market(chain, &admin, &oracle_authority, market).await?);
    }
    Ok(Deployment { admin, mint, mint_authority, oracle_authority, markets })
}

/// The chain's clock (unix seconds), read from the Clock sysvar.
pub async fn unix_time(chain: &mut impl Chain) -> anyhow::Result<i64> {
    let account = chain.account(&solana_sdk::sysvar::clock::ID).await?.ok_or_else(|| anyhow::anyhow!("no clock"))?;
    let clock: Clock =
        solana_sdk::account::from_account(&account).ok_or_else(|| anyhow::anyhow!("clock sysvar did not decode"))?;
    Ok(clock.unix_timestamp)
}

/// Creates one `[[markets]]` entry: its push oracle (authority `oracle_authority`) with the first
/// price published at the chain's clock, then the market account (system program) and
/// `create_market`, and caches that first price in it.
pub async fn create_market(
    chain: &mut impl Chain,
    admin: &Keypair,
    oracle_authority: &Keypair,
    market: &MarketToml,
) -> anyhow::Result<DeployedMarket> {
    let layout = market.layout()?;
    let config = market.config(pda::push_oracle(&layout.symbol))?;
    let price = market.initial_price()?;
    create_push_market(chain, admin, oracle_authority, layout, config, price, market.oracle_max_move_ppm).await
}

/// Creates a market on a new push oracle at its PDA (`config.oracle` is replaced by it) whose
/// first price, `price` (1e6), is published at the chain's clock and cached in the market.
pub async fn create_push_market(
    chain: &mut impl Chain,
    admin: &Keypair,
    oracle_authority: &Keypair,
    layout: MarketLayout,
    mut config: MarketConfig,
    price: u64,
    max_move_ppm: u32,
) -> anyhow::Result<DeployedMarket> {
    let symbol = String::from_utf8_lossy(&layout.symbol).trim_end_matches('\0').to_string();
    let oracle = pda::push_oracle(&layout.symbol);
    config.oracle = oracle;
    let create_oracle = instructions::create_push_oracle(
        &admin.pubkey(),
        layout.symbol,
        &oracle_authority.pubkey(),
        -i32::try_from(PRICE_PRECISION.ilog10())?,
        max_move_ppm,
    );
    chain.send(&[create_oracle], &[admin]).await?;
    let now = unix_time(chain).await?;
    let push = instructions::update_push_oracle(&oracle_authority.pubkey(), &oracle, i64::try_from(price)?, 0, now);
    chain.send(&[push], &[oracle_authority]).await?;
    let account = Keypair::new();
    let size = market_account_size(layout.order_capacity, layout.seat_capacity)
        .ok_or_else(|| anyhow::anyhow!("{symbol}: market account too large"))?;
    let rent = chain.rent_exempt_minimum(size).await?;
    let payer = chain.payer();
    let ixs = instructions::create_market(&admin.pubkey(), &payer, &account.pubkey(), layout, config, rent);
    // `create_market` reads the oracle and caches its first price.
    chain.send(&ixs, &[admin, &account]).await?;
    Ok(DeployedMarket { symbol, address: account.pubkey(), oracle })
}

/// Creates the exchange over an existing 6-decimal mint and seeds the insurance fund from
/// `insurance_source` (a token account of that mint whose authority is `admin`).
pub fn exchange_instructions(
    config: &Config,
    admin: &Pubkey,
    collateral_mint: &Pubkey,
    insurance_source: &Pubkey,
) -> anyhow::Result<Vec<Instruction>> {
    let mut ixs = vec![instructions::initialize_exchange(admin, collateral_mint, config.exchange.params())];
    let insurance = config.exchange.insurance_fund_units()?;
    if insurance > 0 {
        ixs.push(instructions::deposit_insurance(admin, insurance_source, insurance));
    }
    Ok(ixs)
}

/// Creates and initializes a mint account of `decimals` at `mint` (a fresh keypair's address).
pub fn create_mint_instructions(
    payer: &Pubkey,
    mint: &Pubkey,
    mint_authority: &Pubkey,
    decimals: u8,
    rent_lamports: u64,
) -> anyhow::Result<Vec<Instruction>> {
    Ok(vec![
        solana_system_interface::instruction::create_account(
            payer,
            mint,
            rent_lamports,
            spl_token::state::Mint::LEN as u64,
            &spl_token::ID,
        ),
        spl_token::instruction::initialize_mint2(&spl_token::ID, mint, mint_authority, None, decimals)?,
    ])
}

/// Creates and initializes a token account of `mint` owned by `owner` at `account`.
pub fn create_token_account_instructions(
    payer: &Pubkey,
    account: &Pubkey,
    mint: &Pubkey,
    owner: &Pubkey,
    rent_lamports: u64,
) -> anyhow::Result<Vec<Instruction>> {
    Ok(vec![
        solana_system_interface::instruction::create_account(
            payer,
            account,
            rent_lamports,
            spl_token::state::Account::LEN as u64,
            &spl_token::ID,
        ),
        spl_token::instruction::initialize_account3(&spl_token::ID, account, mint, owner)?,
    ])
}
