//! SOL and SPL Token chores over any `Chain`: funding keypairs, mints, token accounts, balances.
use anchor_spl::token::spl_token;
use perp_client::chain::Chain;
use solana_sdk::program_pack::Pack;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};

use crate::bootstrap;

/// SOL given to every keypair the localnet funds (fees and rent).
pub const FUNDING_LAMPORTS: u64 = 10_000_000_000;

/// Sends `FUNDING_LAMPORTS` from the payer to `to`.
pub async fn fund(chain: &mut impl Chain, to: &Pubkey) -> anyhow::Result<()> {
    let ix = solana_system_interface::instruction::transfer(&chain.payer(), to, FUNDING_LAMPORTS);
    chain.send(&[ix], &[]).await?;
    Ok(())
}

/// A new keypair with SOL.
pub async fn funded_keypair(chain: &mut impl Chain) -> anyhow::Result<Keypair> {
    let keypair = Keypair::new();
    fund(chain, &keypair.pubkey()).await?;
    Ok(keypair)
}

/// A new mint of `decimals` whose mint authority is `authority`.
pub async fn create_mint(chain: &mut impl Chain, authority: &Pubkey, decimals: u8) -> anyhow::Result<Pubkey> {
    let mint = Keypair::new();
    let rent = chain.rent_exempt_minimum(spl_token::state::Mint::LEN).await?;
    let ixs = bootstrap::create_mint_instructions(&chain.payer(), &mint.pubkey(), authority, decimals, rent)?;
    chain.send(&ixs, &[&mint]).await?;
    Ok(mint.pubkey())
}

/// A new token account of `mint` owned by `owner`.
pub async fn create_token_account(chain: &mut impl Chain, mint: &Pubkey, owner: &Pubkey) -> anyhow::Result<Pubkey> {
    let account = Keypair::new();
    let rent = chain.rent_exempt_minimum(spl_token::state::Account::LEN).await?;
    let ixs = bootstrap::create_token_account_instructions(&chain.payer(), &account.pubkey(), mint, owner, rent)?;
    chain.send(&ixs, &[&account]).await?;
    Ok(account.pubkey())
}

/// Mints `amount` of `mint` into `account`, signed by the mint authority.
pub async fn mint_to(
    chain: &mut impl Chain,
    mint: &Pubkey,
    authority: &Keypair,
    account: &Pubkey,
    amount: u64,
) -> anyhow::Result<()> {
    if amount == 0 {
        return Ok(());
    }
    let ix = spl_token::instruction::mint_to(&spl_token::ID, mint, account, &authority.pubkey(), &[], amount)?;
    chain.send(&[ix], &[authority]).await?;
    Ok(())
}

/// The token balance of `account` (0 when it does not exist or is not a token account).
pub async fn token_balance(chain: &mut impl Chain, account: &Pubkey) -> anyhow::Result<u64> {
    perp_client::money::token_balance(chain, account).await
}
