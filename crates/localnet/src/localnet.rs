//! The embedded localnet: solana-program-test's in-process bank with the program registered, a
//! 6-decimal collateral mint, and the exchange bootstrapped from a config. Tests and
//! `perp-keeper localnet` both start here.
use std::collections::{BTreeSet, HashSet};

use anchor_lang::AccountDeserialize;
use perp::state::{Exchange, Trader};
use perp_client::chain::{AccountFilter, Chain, HistoryEntry, Rejected, TxOutcome};
use perp_client::money::{self, Flows};
use perp_client::{lookup, pda};
use solana_program_test::{BanksClientError, ProgramTestContext};
use solana_sdk::account::Account;
use solana_sdk::clock::Clock;
use solana_sdk::instruction::Instruction;
use solana_sdk::message::AddressLookupTableAccount;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signature, Signer};
use solana_sdk::transaction::{Transaction, VersionedTransaction};

use crate::native;
use perp_migrations::bootstrap::{self, DeployedMarket, Deployment};
use perp_migrations::config::Config;
use perp_migrations::tokens;

pub struct Localnet {
    pub ctx: ProgramTestContext,
    pub admin: Keypair,
    pub mint: Pubkey,
    pub mint_authority: Keypair,
    /// Pushes the bootstrapped markets' oracles.
    pub oracle_authority: Keypair,
    /// The markets the config created.
    pub markets: Vec<DeployedMarket>,
    /// Signatures already sent: a repeat gets a fresh blockhash instead of being deduplicated.
    sent: HashSet<Signature>,
    /// Every account the program owned right after a transaction that named it (statically or
    /// through a lookup table) landed. A transaction can only create or write accounts it names,
    /// so every account the program owns is here: `program_accounts` reads them back and keeps
    /// those it still owns, as a node's `getProgramAccounts` would (the in-process bank has no
    /// index to ask).
    owned: BTreeSet<Pubkey>,
    /// Money in and out as sent, and every value move the events reported, since the start.
    pub flows: Flows,
    /// Check the money rules after every transaction that lands (`check_money_rules_always`).
    check_always: bool,
    /// Every transaction that landed, oldest first, with the accounts it named (what a node's
    /// `getSignaturesForAddress` indexes).
    history: Vec<(HistoryEntry, Vec<Pubkey>)>,
}

impl Localnet {
    /// Starts the bank, creates the collateral mint and bootstraps the exchange from `config`.
    pub async fn start(config: &Config) -> anyhow::Result<Self> {
        Self::start_on(native::start_bank().await, config).await
    }

    /// As `start`, on a bank the caller started (`native::start_bank_of`, e.g. with an
    /// integrator's program registered too).
    pub async fn start_on(ctx: ProgramTestContext, config: &Config) -> anyhow::Result<Self> {
        let mut net = Self::new(ctx);
        let Deployment { admin, mint, mint_authority, oracle_authority, markets } =
            bootstrap::bootstrap_with_new_mint(&mut net, config).await?;
        (net.admin, net.mint, net.mint_authority) = (admin, mint, mint_authority);
        (net.oracle_authority, net.markets) = (oracle_authority, markets);
        Ok(net)
    }

    /// A bank with a funded admin and a 6-decimal mint, but no exchange yet (for tests of
    /// `initialize_exchange` itself).
    pub async fn without_exchange(ctx: ProgramTestContext) -> anyhow::Result<Self> {
        let mut net = Self::new(ctx);
        net.admin = tokens::funded_keypair(&mut net).await?;
        let authority = net.mint_authority.pubkey();
        net.mint = tokens::create_mint(&mut net, &authority, perp::math::COLLATERAL_DECIMALS).await?;
        Ok(net)
    }

    fn new(ctx: ProgramTestContext) -> Self {
        Self {
            ctx,
            admin: Keypair::new(),
            mint: Pubkey::default(),
            mint_authority: Keypair::new(),
            oracle_authority: Keypair::new(),
            markets: Vec::new(),
            sent: HashSet::new(),
            owned: BTreeSet::new(),
            flows: Flows::default(),
            check_always: false,
            history: Vec::new(),
        }
    }

    /// Signs with the payer and `signers` and processes the transaction; the error is the bank's,
    /// so tests can match the program's error code.
    pub async fn send(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> Result<(), BanksClientError> {
        self.process(ixs, signers).await.map(|_| ())
    }

    /// The bank registers a new blockhash every tick and forgets them after 300: a run that takes
    /// longer than that (the SBF build is slower) must sign with a fresh one.
    async fn refresh_blockhash(&mut self) -> Result<(), BanksClientError> {
        self.ctx.last_blockhash = self
            .ctx
            .banks_client
            .get_latest_blockhash()
            .await
            .map_err(|_| BanksClientError::ClientError("could not read the latest blockhash"))?;
        Ok(())
    }

    /// Processes a signed transaction; its logs, or the bank's error. `loaded` are the addresses
    /// its lookup tables bring in.
    async fn execute(
        &mut self,
        tx: impl Into<VersionedTransaction>,
        loaded: &[Pubkey],
    ) -> Result<TxOutcome, BanksClientError> {
        let tx = tx.into();
        let signature = tx.signatures[0];
        let result = self.ctx.banks_client.process_transaction_with_metadata(tx.clone()).await?;
        result.result?;
        let logs = result.metadata.map(|m| m.log_messages).unwrap_or_default();
        let keys = tx.message.static_account_keys();
        for key in keys.iter().chain(loaded) {
            if let Some(account) = self.ctx.banks_client.get_account(*key).await? {
                if account.owner == perp::ID {
                    self.owned.insert(*key);
                }
            }
        }
        let ours: Vec<&[u8]> = tx
            .message
            .instructions()
            .iter()
            .filter(|ix| keys.get(usize::from(ix.program_id_index)) == Some(&perp::ID))
            .map(|ix| ix.data.as_slice())
            .collect();
        self.flows.observe(&ours, &logs);
        let clock = self.ctx.banks_client.get_sysvar::<Clock>().await?;
        let entry = HistoryEntry {
            signature,
            slot: clock.slot,
            block_time: Some(clock.unix_timestamp),
            error: None,
            logs: logs.clone(),
        };
        self.history.push((entry, keys.iter().chain(loaded).copied().collect()));
        if self.check_always {
            if let Err(broken) = self.money_rules().await {
                panic!("money rules broken after transaction {signature}: {broken}");
            }
        }
        Ok(TxOutcome { signature, logs })
    }

    /// From now on, the money rules are checked after every transaction that lands, and a broken
    /// rule panics with what broke (the test harness turns this on for every test).
    pub fn check_money_rules_always(&mut self) {
        self.check_always = true;
    }

    /// The money rules over every account the program owns and the vaults' token balances, and
    /// the flows and events since the start against them (`perp_client::money`).
    pub async fn money_rules(&mut self) -> anyhow::Result<()> {
        let Some(mut books) = money::read_books(self).await? else { return Ok(()) };
        let verdict = money::check(&mut books).map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let mut broken = verdict.details.clone();
        broken.extend(self.flows.check(&books));
        anyhow::ensure!(verdict.all_hold() && broken.is_empty(), "{}", broken.join("; "));
        Ok(())
    }

    async fn process(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> Result<TxOutcome, BanksClientError> {
        self.refresh_blockhash().await?;
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
        // A node refuses a transaction over the packet size before any bank sees it; the bank
        // alone would not, so the check is here, as the validator makes it.
        let bytes = bincode::serialized_size(&tx).map_err(|_| BanksClientError::ClientError("unserializable"))?;
        if bytes > lookup::MAX_TX_BYTES as u64 {
            return Err(BanksClientError::ClientError("transaction too large: over 1,232 bytes"));
        }
        self.execute(tx, &[]).await
    }

    /// Creates an address lookup table holding `addresses` (the payer is its authority) and moves
    /// to the next slot, from which it serves v0 transactions.
    pub async fn create_lookup_table(&mut self, addresses: &[Pubkey]) -> anyhow::Result<AddressLookupTableAccount> {
        let payer = self.ctx.payer.pubkey();
        // A slot the chain remembers (the table's address is derived from it): the newest in
        // the SlotHashes sysvar.
        let hashes = self.ctx.banks_client.get_sysvar::<solana_sysvar::slot_hashes::SlotHashes>().await?;
        let recent_slot = hashes.first().map(|(slot, _)| *slot).ok_or_else(|| anyhow::anyhow!("no slot hashes yet"))?;
        let (key, txs) = lookup::table_instructions(&payer, &payer, recent_slot, addresses);
        for ixs in txs {
            self.send(&ixs, &[]).await?;
        }
        self.next_slot().await?;
        Ok(AddressLookupTableAccount { key, addresses: addresses.to_vec() })
    }

    /// Signs a v0 transaction of `ixs` loading accounts through `tables` with the payer and
    /// `signers`, and processes it (the bank's error, as `send`).
    pub async fn process_v0(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
        tables: &[AddressLookupTableAccount],
    ) -> Result<TxOutcome, BanksClientError> {
        self.refresh_blockhash().await?;
        let payer = self.ctx.payer.insecure_clone();
        let loaded: Vec<Pubkey> = tables.iter().flat_map(|t| t.addresses.iter().copied()).collect();
        let tx = lookup::v0_transaction(&payer, signers, ixs, tables, self.ctx.last_blockhash)
            .map_err(|_| BanksClientError::ClientError("the v0 transaction does not compile or fit"))?;
        self.execute(tx, &loaded).await
    }

    /// Moves to the next slot (a new bank and blockhash). The clock's unix time stays where it was:
    /// tests and scenarios own the time (`set_unix_time`), a warp must not move it.
    pub async fn next_slot(&mut self) -> anyhow::Result<()> {
        let unix_time = self.clock().await?.unix_timestamp;
        let slot = self.ctx.banks_client.get_root_slot().await?;
        self.ctx.warp_to_slot(slot + 1).map_err(|e| anyhow::anyhow!("warp to slot {}: {e:?}", slot + 1))?;
        self.ctx.last_blockhash = self.ctx.banks_client.get_latest_blockhash().await?;
        self.set_unix_time(unix_time).await
    }

    pub async fn clock(&mut self) -> anyhow::Result<Clock> {
        Ok(self.ctx.banks_client.get_sysvar::<Clock>().await?)
    }

    /// Sets the bank's unix time (funding and oracle staleness read it).
    pub async fn set_unix_time(&mut self, unix_timestamp: i64) -> anyhow::Result<()> {
        let mut clock = self.clock().await?;
        clock.unix_timestamp = unix_timestamp;
        self.ctx.set_sysvar(&clock);
        Ok(())
    }

    /// A new keypair with SOL.
    pub async fn funded_keypair(&mut self) -> anyhow::Result<Keypair> {
        tokens::funded_keypair(self).await
    }

    pub async fn create_mint(&mut self, authority: &Pubkey, decimals: u8) -> anyhow::Result<Pubkey> {
        tokens::create_mint(self, authority, decimals).await
    }

    /// A token account of the collateral mint owned by `owner`.
    pub async fn create_token_account(&mut self, owner: &Pubkey) -> anyhow::Result<Pubkey> {
        let mint = self.mint;
        tokens::create_token_account(self, &mint, owner).await
    }

    pub async fn create_token_account_of(&mut self, mint: &Pubkey, owner: &Pubkey) -> anyhow::Result<Pubkey> {
        tokens::create_token_account(self, mint, owner).await
    }

    /// Mints `amount` collateral token units into `account`.
    pub async fn mint_to(&mut self, account: &Pubkey, amount: u64) -> anyhow::Result<()> {
        let (mint, authority) = (self.mint, self.mint_authority.insecure_clone());
        tokens::mint_to(self, &mint, &authority, account, amount).await
    }

    /// The token balance of `account` (0 when it does not exist).
    pub async fn token_balance(&mut self, account: &Pubkey) -> anyhow::Result<u64> {
        tokens::token_balance(self, account).await
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

/// The bank's error as `Chain` reports it: a rejection carries the program's error.
fn chain_error(error: BanksClientError) -> anyhow::Error {
    match error {
        BanksClientError::TransactionError(e) | BanksClientError::SimulationError { err: e, .. } => Rejected(e).into(),
        e => e.into(),
    }
}

impl Chain for Localnet {
    fn payer(&self) -> Pubkey {
        self.ctx.payer.pubkey()
    }

    async fn send(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> anyhow::Result<TxOutcome> {
        self.process(ixs, signers).await.map_err(chain_error)
    }

    async fn lookup_table(&mut self, addresses: &[Pubkey]) -> anyhow::Result<AddressLookupTableAccount> {
        self.create_lookup_table(addresses).await
    }

    async fn send_v0(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
        tables: &[AddressLookupTableAccount],
    ) -> anyhow::Result<TxOutcome> {
        self.process_v0(ixs, signers, tables).await.map_err(chain_error)
    }

    async fn account(&mut self, address: &Pubkey) -> anyhow::Result<Option<Account>> {
        Ok(self.ctx.banks_client.get_account(*address).await?)
    }

    async fn rent_exempt_minimum(&mut self, len: usize) -> anyhow::Result<u64> {
        Ok(self.ctx.banks_client.get_rent().await?.minimum_balance(len))
    }

    async fn program_accounts(&mut self, filter: &AccountFilter) -> anyhow::Result<Vec<(Pubkey, Account)>> {
        let mut out = Vec::new();
        for address in self.owned.clone() {
            if let Some(account) = self.ctx.banks_client.get_account(address).await? {
                if account.owner == perp::ID && filter.matches(&account.data) {
                    out.push((address, account));
                }
            }
        }
        Ok(out)
    }

    async fn multiple_accounts(&mut self, addresses: &[Pubkey]) -> anyhow::Result<Vec<Option<Account>>> {
        let mut out = Vec::with_capacity(addresses.len());
        for address in addresses {
            out.push(self.ctx.banks_client.get_account(*address).await?);
        }
        Ok(out)
    }

    async fn history(&mut self, address: &Pubkey, limit: usize) -> anyhow::Result<Vec<HistoryEntry>> {
        Ok(self
            .history
            .iter()
            .rev()
            .filter(|(_, keys)| keys.contains(address))
            .take(limit)
            .map(|(entry, _)| entry.clone())
            .collect())
    }
}

impl Drop for Localnet {
    /// With `PERP_REPORT_CHECKS` set, says how many transactions the money rules were checked
    /// after (the README's count of checks per test run comes from this).
    fn drop(&mut self) {
        if self.check_always && std::env::var_os("PERP_REPORT_CHECKS").is_some() {
            eprintln!("money checks: {} transactions", self.flows.transactions);
        }
    }
}
