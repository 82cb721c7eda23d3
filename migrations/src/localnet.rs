//! The embedded localnet: solana-program-test's in-process bank with the program registered, a
//! 6-decimal collateral mint, and the exchange bootstrapped from a config. Tests and
//! `perp-keeper localnet` both start here.
use std::collections::HashSet;

use anchor_lang::AccountDeserialize;
use anchor_spl::token::spl_token;
use perp::state::{Exchange, Trader};
use perp_client::pda;
use solana_program_test::{BanksClientError, ProgramTestContext};
use solana_sdk::clock::Clock;
use solana_sdk::instruction::Instruction;
use solana_sdk::program_pack::Pack;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signature, Signer};
use solana_sdk::transaction::Transaction;

use crate::bootstrap;
use crate::config::Config;
use crate::native;

/// SOL given to every keypair the localnet funds (fees and rent).
pub const FUNDING_LAMPORTS: u64 = 10_000_000_000;

pub struct Localnet {
    pub ctx: ProgramTestContext,
    pub admin: Keypair,
    pub mint: Pubkey,
    pub mint_authority: Keypair,
    /// Signatures already sent: a repeat gets a fresh blockhash instead of being deduplicated.
    sent: HashSet<Signature>,
}

impl Localnet {
    /// Starts the bank, creates the collateral mint and bootstraps the exchange from `config`.
    pub async fn start(config: &Config) -> anyhow::Result<Self> {
        let ctx = native::program_test().start_with_context().await;
        let mut net = Self::without_exchange(ctx).await?;
        let admin = net.admin.insecure_clone();
        let insurance_source = net.create_token_account(&admin.pubkey()).await?;
        net.mint_to(&insurance_source, config.exchange.insurance_fund_units()?).await?;
        let ixs = bootstrap::exchange_instructions(config, &admin.pubkey(), &net.mint, &insurance_source)?;
        net.send(&ixs, &[&admin]).await?;
        Ok(net)
    }

    /// A bank with a funded admin and a 6-decimal mint, but no exchange yet (for tests of
    /// `initialize_exchange` itself).
    pub async fn without_exchange(ctx: ProgramTestContext) -> anyhow::Result<Self> {
        let mut net = Self {
            ctx,
            admin: Keypair::new(),
            mint: Pubkey::default(),
            mint_authority: Keypair::new(),
            sent: HashSet::new(),
        };
        net.fund(&net.admin.pubkey()).await?;
        let authority = net.mint_authority.pubkey();
        net.mint = net.create_mint(&authority, perp::math::COLLATERAL_DECIMALS).await?;
        Ok(net)
    }

    /// Signs with the payer and `signers` and processes the transaction.
    pub async fn send(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> Result<(), BanksClientError> {
        let payer = self.ctx.payer.insecure_clone();
        let mut all: Vec<&Keypair> = vec![&payer];
        all.extend(signers.iter().copied().filter(|k| k.pubkey() != payer.pubkey()));
        let mut tx = Transaction::new_signed_with_payer(ixs, Some(&payer.pubkey()), &all, self.ctx.last_blockhash);
        if self.sent.contains(&tx.signatures[0]) {
            self.next_slot()
                .await
                .map_err(|_| BanksClientError::ClientError("could not move to the next slot for a fresh blockhash"))?;
            tx = Transaction::new_signed_with_payer(ixs, Some(&payer.pubkey()), &all, self.ctx.last_blockhash);
        }
        self.sent.insert(tx.signatures[0]);
        self.ctx.banks_client.process_transaction(tx).await
    }

    /// Moves to the next slot (a new bank and blockhash).
    pub async fn next_slot(&mut self) -> anyhow::Result<()> {
        let slot = self.ctx.banks_client.get_root_slot().await?;
        self.ctx.warp_to_slot(slot + 1).map_err(|e| anyhow::anyhow!("warp to slot {}: {e:?}", slot + 1))?;
        self.ctx.last_blockhash = self.ctx.banks_client.get_latest_blockhash().await?;
        Ok(())
    }

    pub async fn clock(&mut self) -> Result<Clock, BanksClientError> {
        self.ctx.banks_client.get_sysvar::<Clock>().await
    }

    /// Sets the bank's unix time (funding and oracle staleness read it).
    pub async fn set_unix_time(&mut self, unix_timestamp: i64) -> Result<(), BanksClientError> {
        let mut clock = self.clock().await?;
        clock.unix_timestamp = unix_timestamp;
        self.ctx.set_sysvar(&clock);
        Ok(())
    }

    /// Sends SOL from the payer so `to` can pay fees and rent.
    pub async fn fund(&mut self, to: &Pubkey) -> Result<(), BanksClientError> {
        let payer = self.ctx.payer.pubkey();
        let ix = solana_system_interface::instruction::transfer(&payer, to, FUNDING_LAMPORTS);
        self.send(&[ix], &[]).await
    }

    /// A new keypair with SOL.
    pub async fn funded_keypair(&mut self) -> Result<Keypair, BanksClientError> {
        let keypair = Keypair::new();
        self.fund(&keypair.pubkey()).await?;
        Ok(keypair)
    }

    pub async fn create_mint(&mut self, authority: &Pubkey, decimals: u8) -> anyhow::Result<Pubkey> {
        let mint = Keypair::new();
        let rent = self.ctx.banks_client.get_rent().await?.minimum_balance(spl_token::state::Mint::LEN);
        let payer = self.ctx.payer.pubkey();
        let ixs = bootstrap::create_mint_instructions(&payer, &mint.pubkey(), authority, decimals, rent)?;
        self.send(&ixs, &[&mint]).await?;
        Ok(mint.pubkey())
    }

    /// A token account of the collateral mint owned by `owner`.
    pub async fn create_token_account(&mut self, owner: &Pubkey) -> anyhow::Result<Pubkey> {
        let mint = self.mint;
        self.create_token_account_of(&mint, owner).await
    }

    pub async fn create_token_account_of(&mut self, mint: &Pubkey, owner: &Pubkey) -> anyhow::Result<Pubkey> {
        let account = Keypair::new();
        let rent = self.ctx.banks_client.get_rent().await?.minimum_balance(spl_token::state::Account::LEN);
        let payer = self.ctx.payer.pubkey();
        let ixs = bootstrap::create_token_account_instructions(&payer, &account.pubkey(), mint, owner, rent)?;
        self.send(&ixs, &[&account]).await?;
        Ok(account.pubkey())
    }

    /// Mints `amount` collateral token units into `account`.
    pub async fn mint_to(&mut self, account: &Pubkey, amount: u64) -> anyhow::Result<()> {
        if amount == 0 {
            return Ok(());
        }
        let authority = self.mint_authority.insecure_clone();
        let ix =
            spl_token::instruction::mint_to(&spl_token::ID, &self.mint, account, &authority.pubkey(), &[], amount)?;
        self.send(&[ix], &[&authority]).await?;
        Ok(())
    }

    /// The token balance of `account` (0 when it does not exist).
    pub async fn token_balance(&mut self, account: &Pubkey) -> Result<u64, BanksClientError> {
        Ok(match self.ctx.banks_client.get_account(*account).await? {
            Some(acc) => spl_token::state::Account::unpack(&acc.data).map(|a| a.amount).unwrap_or(0),
            None => 0,
        })
    }

    /// Decodes a program account, `None` when it does not exist.
    pub async fn program_account<T: AccountDeserialize>(&mut self, address: &Pubkey) -> anyhow::Result<Option<T>> {
        let Some(account) = self.ctx.banks_client.get_account(*address).await? else {
            return Ok(None);
        };
        let decoded =
            T::try_deserialize(&mut account.data.as_slice()).map_err(|e| anyhow::anyhow!("decode {address}: {e}"))?;
        Ok(Some(decoded))
    }

    pub async fn exchange(&mut self) -> anyhow::Result<Exchange> {
        self.program_account(&pda::exchange())
            .await?
            .ok_or_else(|| anyhow::anyhow!("the exchange account does not exist"))
    }

    pub async fn trader(&mut self, owner: &Pubkey, sub_account_id: u16) -> anyhow::Result<Option<Trader>> {
        self.program_account(&pda::trader(owner, sub_account_id)).await
    }
}
