//! Funded wallets with an open trader account.
use perp_client::{instructions, pda};
use perp_localnet::localnet::Localnet;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};

/// A wallet: its keypair, a token account of the collateral mint, and its trader sub-account.
pub struct Wallet {
    pub owner: Keypair,
    pub token_account: Pubkey,
    pub sub_account_id: u16,
}

impl Clone for Wallet {
    fn clone(&self) -> Self {
        Self {
            owner: self.owner.insecure_clone(),
            token_account: self.token_account,
            sub_account_id: self.sub_account_id,
        }
    }
}

impl Wallet {
    pub fn trader(&self) -> Pubkey {
        pda::trader(&self.owner.pubkey(), self.sub_account_id)
    }

    pub fn key(&self) -> (Pubkey, u16) {
        (self.owner.pubkey(), self.sub_account_id)
    }
}

/// A new wallet holding `tokens` collateral token units, without a trader account.
pub async fn new_wallet(net: &mut Localnet, tokens: u64) -> Wallet {
    let owner = net.funded_keypair().await.expect("fund wallet");
    let token_account = net.create_token_account(&owner.pubkey()).await.expect("token account");
    net.mint_to(&token_account, tokens).await.expect("mint");
    Wallet { owner, token_account, sub_account_id: 0 }
}

/// A new wallet holding `tokens`, with its trader account (sub-account 0) open.
pub async fn new_trader(net: &mut Localnet, tokens: u64) -> Wallet {
    let wallet = new_wallet(net, tokens).await;
    let owner = wallet.owner.pubkey();
    net.send(&[instructions::open_trader(&owner, &owner, 0)], &[&wallet.owner]).await.expect("open trader");
    wallet
}
