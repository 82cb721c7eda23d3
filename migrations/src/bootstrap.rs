//! The instructions that bring an exchange up from a config: shared by the localnet and a real
//! deployment (where the collateral mint already exists, e.g. USDC).
use anchor_spl::token::spl_token;
use perp_client::instructions;
use solana_sdk::instruction::Instruction;
use solana_sdk::program_pack::Pack;
use solana_sdk::pubkey::Pubkey;

use perp_client::chain::Chain;
use solana_sdk::signature::{Keypair, Signer};

use crate::config::Config;
use crate::tokens;

/// A bootstrapped localnet exchange: who runs it and the collateral mint it created.
pub struct Deployment {
    pub admin: Keypair,
    pub mint: Pubkey,
    pub mint_authority: Keypair,
}

/// On a fresh chain: funds an admin, creates a 6-decimal collateral mint, and creates the
/// exchange from `config` with its insurance fund seeded.
pub async fn bootstrap_with_new_mint(chain: &mut impl Chain, config: &Config) -> anyhow::Result<Deployment> {
    let admin = tokens::funded_keypair(chain).await?;
    let mint_authority = Keypair::new();
    let mint = tokens::create_mint(chain, &mint_authority.pubkey(), perp::math::COLLATERAL_DECIMALS).await?;
    let insurance_source = tokens::create_token_account(chain, &mint, &admin.pubkey()).await?;
    tokens::mint_to(chain, &mint, &mint_authority, &insurance_source, config.exchange.insurance_fund_units()?).await?;
    let ixs = exchange_instructions(config, &admin.pubkey(), &mint, &insurance_source)?;
    chain.send(&ixs, &[&admin]).await?;
    Ok(Deployment { admin, mint, mint_authority })
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
