//! Shared by the CLI's tests: wallets with SOL and collateral tokens in their associated token
//! account, over any `Chain`.
#![allow(dead_code)] // each test binary uses its own part

use perp_client::chain::Chain;
use perp_client::{instructions, pda};
use perp_migrations::tokens;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};

/// A new wallet with SOL and `tokens` collateral token units in its associated token account.
pub async fn wallet(chain: &mut impl Chain, mint: &Pubkey, mint_authority: &Keypair, tokens: u64) -> Keypair {
    let owner = tokens::funded_keypair(chain).await.expect("fund wallet");
    let payer = chain.payer();
    let create = instructions::create_associated_token_idempotent(&payer, &owner.pubkey(), mint);
    chain.send(&[create], &[]).await.expect("associated token account");
    let ata = pda::associated_token(&owner.pubkey(), mint);
    tokens::mint_to(chain, mint, mint_authority, &ata, tokens).await.expect("mint");
    owner
}

/// The wallet's collateral token balance (its associated token account).
pub async fn token_balance(chain: &mut impl Chain, owner: &Pubkey, mint: &Pubkey) -> u64 {
    tokens::token_balance(chain, &pda::associated_token(owner, mint)).await.expect("balance")
}
