//! The JSON-RPC backend of `Chain` (solana-rpc-client), with retries and backoff.
//!
//! Sending never depends on how fast the node is. A transaction is sent once with preflight
//! (so a program error comes back at once, with its code), then followed by its signature
//! status, and its outcome read back from the node's history:
//! - while its blockhash is valid and it has not landed, the same signed transaction is resent
//!   (at most one copy can land; a fork that was dropped just needs it again);
//! - once the block height passes the blockhash's last valid height without it landing, it can
//!   never land, so it is signed again with a new blockhash;
//! - a confirmed transaction's logs are asked for until the node serves them. A node may serve a
//!   confirmed transaction only once its slot is rooted, so the wait is bounded in slots (the
//!   root passing the transaction's slot by `HISTORY_SLACK_SLOTS`), not in seconds;
//! - a node that makes no new block for `STALL_TIMEOUT` is reported as stalled.
use std::time::{Duration, Instant};

use solana_account_decoder_client_types::UiAccountEncoding;
use solana_commitment_config::{CommitmentConfig, CommitmentLevel};
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client::rpc_client::GetConfirmedSignaturesForAddress2Config;
use solana_rpc_client_api::client_error::{Error as ClientError, ErrorKind as ClientErrorKind};
use solana_rpc_client_api::config::{
    RpcAccountInfoConfig, RpcProgramAccountsConfig, RpcSendTransactionConfig, RpcTransactionConfig,
};
use solana_rpc_client_api::filter::{Memcmp, RpcFilterType};
use solana_sdk::account::Account;
use solana_sdk::hash::Hash;
use solana_sdk::instruction::Instruction;
use solana_sdk::message::AddressLookupTableAccount;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signature, Signer};
use solana_sdk::transaction::{Transaction, TransactionError, VersionedTransaction};
use solana_transaction_status_client_types::{option_serializer::OptionSerializer, UiTransactionEncoding};

use crate::chain::{AccountFilter, Chain, HistoryEntry, Rejected, TxOutcome, MULTIPLE_ACCOUNTS_BATCH};
use crate::lookup;

/// Attempts at a transaction: sends that fail before reaching the program (blockhash not yet
/// known, node warming up) and signings whose blockhash expired without landing. A transaction
/// the program rejects is never retried.
pub const SEND_ATTEMPTS: u32 = 8;
/// How often a sent transaction's status is polled.
pub const POLL_INTERVAL: Duration = Duration::from_millis(200);
/// How often a transaction that has not landed yet is sent again (same signature).
pub const RESEND_INTERVAL: Duration = Duration::from_secs(2);
/// Slots past a confirmed transaction's slot by which the node's root may go before a node that
/// still serves no history for it is reported (it serves rooted transactions at the latest).
pub const HISTORY_SLACK_SLOTS: u64 = 64;
/// Wall time without a new block after which the node is reported as stalled.
pub const STALL_TIMEOUT: Duration = Duration::from_secs(120);

pub struct RpcChain {
    pub rpc: RpcClient,
    pub payer: Keypair,
}

/// Where a sent transaction ended up.
enum Followed {
    /// Landed and confirmed; its program logs.
    Landed(Vec<String>),
    /// Landed and failed.
    Failed(TransactionError),
    /// Its blockhash expired without it landing: it can never land now.
    Expired,
}

/// Detects a node that makes no new block.
struct StallGuard {
    height: u64,
    since: Instant,
}

impl StallGuard {
    fn new() -> Self {
        Self { height: 0, since: Instant::now() }
    }

    fn observe(&mut self, height: u64) -> anyhow::Result<()> {
        if height > self.height {
            self.height = height;
            self.since = Instant::now();
        } else if self.since.elapsed() > STALL_TIMEOUT {
            anyhow::bail!("the node made no new block for {} s (block height {height})", STALL_TIMEOUT.as_secs());
        }
        Ok(())
    }
}

impl RpcChain {
    pub fn new(url: String, payer: Keypair) -> Self {
        Self { rpc: RpcClient::new_with_commitment(url, CommitmentConfig::confirmed()), payer }
    }

    /// The program logs of a transaction if the node serves it from its history (at confirmed
    /// commitment), `None` while it does not (yet).
    pub async fn transaction_logs(&self, signature: &Signature) -> anyhow::Result<Option<Vec<String>>> {
        Ok(self.served(signature).await.map(|entry| entry.logs))
    }

    /// A transaction as the node's history serves it (`getTransaction`), `None` while it does not.
    async fn served(&self, signature: &Signature) -> Option<HistoryEntry> {
        let config = RpcTransactionConfig {
            encoding: Some(UiTransactionEncoding::Base64),
            commitment: Some(CommitmentConfig::confirmed()),
            max_supported_transaction_version: Some(0),
        };
        // The node answers `null` for a transaction it does not serve; the client reports that
        // as an error of its own, which is told apart from a failed request by asking again.
        match self.rpc.get_transaction_with_config(signature, config).await {
            Ok(tx) => {
                let meta = tx.transaction.meta;
                let error = meta.as_ref().and_then(|m| m.err.clone()).map(TransactionError::from);
                let logs = match meta.map(|m| m.log_messages) {
                    Some(OptionSerializer::Some(logs)) => logs,
                    _ => Vec::new(),
                };
                Some(HistoryEntry { signature: *signature, slot: tx.slot, block_time: tx.block_time, error, logs })
            }
            Err(e) => {
                tracing::debug!(%signature, error = %e, "transaction not served from history yet");
                None
            }
        }
    }

    /// A blockhash and the last block height at which a transaction using it can land.
    async fn blockhash(&self) -> Result<(Hash, u64), ClientError> {
        self.rpc.get_latest_blockhash_with_commitment(CommitmentConfig::confirmed()).await
    }

    /// Sends `tx`; `preflight` simulates it first, so a program error is returned at once.
    async fn submit(&self, tx: &VersionedTransaction, preflight: bool) -> Result<Signature, ClientError> {
        let config = RpcSendTransactionConfig {
            skip_preflight: !preflight,
            preflight_commitment: Some(CommitmentLevel::Confirmed),
            ..RpcSendTransactionConfig::default()
        };
        self.rpc.send_transaction_with_config(tx, config).await
    }

    /// Follows a sent transaction until it lands (and its logs are served), fails, or expires.
    /// Requests that fail on the way are asked again; only a stalled node ends the wait.
    async fn follow(&self, tx: &VersionedTransaction, last_valid_height: u64) -> anyhow::Result<Followed> {
        let signature = tx.signatures[0];
        let mut stall = StallGuard::new();
        let mut last_send = Instant::now();
        loop {
            tokio::time::sleep(POLL_INTERVAL).await;
            let height = match self.rpc.get_block_height_with_commitment(CommitmentConfig::confirmed()).await {
                Ok(height) => height,
                Err(e) => {
                    tracing::debug!(error = %e, "block height not read; asking again");
                    stall.observe(stall.height)?;
                    continue;
                }
            };
            stall.observe(height)?;
            let status = match self.rpc.get_signature_statuses(&[signature]).await {
                Ok(mut response) => response.value.pop().flatten(),
                Err(e) => {
                    tracing::debug!(error = %e, "signature status not read; asking again");
                    continue;
                }
            };
            match status {
                Some(status) if status.satisfies_commitment(CommitmentConfig::confirmed()) => {
                    if let Some(err) = status.err {
                        return Ok(Followed::Failed(err));
                    }
                    if let Some(logs) = self.transaction_logs(&signature).await? {
                        return Ok(Followed::Landed(logs));
                    }
                    let root = self.rpc.get_slot_with_commitment(CommitmentConfig::finalized()).await.unwrap_or(0);
                    if root >= status.slot.saturating_add(HISTORY_SLACK_SLOTS) {
                        anyhow::bail!(
                            "{signature} confirmed in slot {} but the node serves no history for it (root {root}):                              is transaction history enabled?",
                            status.slot
                        );
                    }
                }
                // Processed, not yet confirmed: wait.
                Some(_) => {}
                None if height > last_valid_height => return Ok(Followed::Expired),
                None => {
                    if last_send.elapsed() >= RESEND_INTERVAL {
                        tracing::debug!(%signature, "not landed yet; sending again");
                        if let Err(e) = self.submit(tx, false).await {
                            tracing::debug!(%signature, error = %e, "resend failed");
                        }
                        last_send = Instant::now();
                    }
                }
            }
        }
    }
}

impl RpcChain {
    /// Signs with `sign` (given a blockhash), sends and confirms, re-signing on expiry.
    async fn send_signed(
        &self,
        sign: impl Fn(Hash) -> anyhow::Result<VersionedTransaction>,
    ) -> anyhow::Result<TxOutcome> {
        let mut delay = Duration::from_millis(200);
        let mut attempt = 1;
        loop {
            let sent = match self.blockhash().await {
                Ok((blockhash, last_valid_height)) => {
                    let tx = sign(blockhash)?;
                    self.submit(&tx, true).await.map(|_| (tx, last_valid_height))
                }
                Err(e) => Err(e),
            };
            match sent {
                Ok((tx, last_valid_height)) => match self.follow(&tx, last_valid_height).await? {
                    Followed::Landed(logs) => return Ok(TxOutcome { signature: tx.signatures[0], logs }),
                    Followed::Failed(err) => return Err(Rejected(err).into()),
                    Followed::Expired if attempt < SEND_ATTEMPTS => {
                        tracing::warn!(signature = %tx.signatures[0], attempt, "blockhash expired before landing; signing again");
                    }
                    Followed::Expired => {
                        anyhow::bail!("{} expired {attempt} times without landing", tx.signatures[0])
                    }
                },
                Err(e) if attempt < SEND_ATTEMPTS && is_transient(&e) => {
                    tracing::debug!(attempt, error = %e, "transient send failure; retrying");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(3));
                }
                Err(e) => {
                    // A preflight rejection carries the program's error: the same as a landed failure.
                    return Err(match e.get_transaction_error() {
                        Some(err) => Rejected(err).into(),
                        None => e.into(),
                    });
                }
            }
            attempt += 1;
        }
    }
}

/// Whether a send error is about the transaction never reaching the program (worth retrying): the
/// node did not know the blockhash yet, was behind, or could not be reached.
fn is_transient(error: &ClientError) -> bool {
    if matches!(error.get_transaction_error(), Some(TransactionError::BlockhashNotFound)) {
        return true;
    }
    match error.kind() {
        ClientErrorKind::Io(_) | ClientErrorKind::Reqwest(_) => true,
        _ => {
            let text = error.to_string();
            text.contains("Blockhash not found") || text.contains("Node is behind")
        }
    }
}

impl Chain for RpcChain {
    fn payer(&self) -> Pubkey {
        self.payer.pubkey()
    }

    async fn send(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> anyhow::Result<TxOutcome> {
        let mut all: Vec<&Keypair> = vec![&self.payer];
        all.extend(signers.iter().copied().filter(|k| k.pubkey() != self.payer.pubkey()));
        let payer = self.payer.pubkey();
        self.send_signed(|blockhash| Ok(Transaction::new_signed_with_payer(ixs, Some(&payer), &all, blockhash).into()))
            .await
    }

    async fn lookup_table(&mut self, addresses: &[Pubkey]) -> anyhow::Result<AddressLookupTableAccount> {
        // A slot the chain remembers (the table's address is derived from it): a finalized one
        // is an ancestor of every bank that processes the creation.
        let recent_slot = self.rpc.get_slot_with_commitment(CommitmentConfig::finalized()).await?;
        let payer = self.payer.pubkey();
        let (key, txs) = lookup::table_instructions(&payer, &payer, recent_slot, addresses);
        for ixs in txs {
            self.send(&ixs, &[]).await?;
        }
        // It serves transactions from the slot after its last extension.
        let extended = self.rpc.get_slot_with_commitment(CommitmentConfig::confirmed()).await?;
        let mut stall = StallGuard::new();
        while self.rpc.get_slot_with_commitment(CommitmentConfig::confirmed()).await? <= extended {
            stall.observe(stall.height)?;
            tokio::time::sleep(POLL_INTERVAL).await;
        }
        Ok(AddressLookupTableAccount { key, addresses: addresses.to_vec() })
    }

    async fn send_v0(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
        tables: &[AddressLookupTableAccount],
    ) -> anyhow::Result<TxOutcome> {
        let payer = self.payer.insecure_clone();
        self.send_signed(|blockhash| lookup::v0_transaction(&payer, signers, ixs, tables, blockhash)).await
    }

    async fn account(&mut self, address: &Pubkey) -> anyhow::Result<Option<Account>> {
        Ok(self.rpc.get_account_with_commitment(address, CommitmentConfig::confirmed()).await?.value)
    }

    async fn rent_exempt_minimum(&mut self, len: usize) -> anyhow::Result<u64> {
        Ok(self.rpc.get_minimum_balance_for_rent_exemption(len).await?)
    }

    async fn program_accounts(&mut self, filter: &AccountFilter) -> anyhow::Result<Vec<(Pubkey, Account)>> {
        let mut filters = Vec::with_capacity(2);
        if let Some(size) = filter.data_size {
            filters.push(RpcFilterType::DataSize(size));
        }
        filters.push(RpcFilterType::Memcmp(Memcmp::new_raw_bytes(filter.offset, filter.bytes.clone())));
        let config = RpcProgramAccountsConfig {
            filters: Some(filters),
            account_config: RpcAccountInfoConfig {
                encoding: Some(UiAccountEncoding::Base64),
                commitment: Some(CommitmentConfig::confirmed()),
                ..RpcAccountInfoConfig::default()
            },
            ..RpcProgramAccountsConfig::default()
        };
        let accounts = self.rpc.get_program_ui_accounts_with_config(&perp::ID, config).await?;
        accounts
            .into_iter()
            .map(|(key, ui)| {
                let account = ui.to_account().ok_or_else(|| anyhow::anyhow!("account {key} did not decode"))?;
                Ok((key, account))
            })
            .collect()
    }

    async fn multiple_accounts(&mut self, addresses: &[Pubkey]) -> anyhow::Result<Vec<Option<Account>>> {
        let mut out = Vec::with_capacity(addresses.len());
        for batch in addresses.chunks(MULTIPLE_ACCOUNTS_BATCH) {
            let response = self.rpc.get_multiple_accounts_with_commitment(batch, CommitmentConfig::confirmed()).await?;
            anyhow::ensure!(
                response.value.len() == batch.len(),
                "getMultipleAccounts answered {} of {}",
                response.value.len(),
                batch.len()
            );
            out.extend(response.value);
        }
        Ok(out)
    }

    async fn history(&mut self, address: &Pubkey, limit: usize) -> anyhow::Result<Vec<HistoryEntry>> {
        let config = GetConfirmedSignaturesForAddress2Config {
            limit: Some(limit),
            commitment: Some(CommitmentConfig::confirmed()),
            ..GetConfirmedSignaturesForAddress2Config::default()
        };
        let statuses = self.rpc.get_signatures_for_address_with_config(address, config).await?;
        let mut out = Vec::with_capacity(statuses.len());
        for status in statuses {
            let signature: Signature =
                status.signature.parse().map_err(|e| anyhow::anyhow!("signature {}: {e}", status.signature))?;
            let entry = self.served(&signature).await.ok_or_else(|| {
                anyhow::anyhow!("{signature} is in the address's history but the node does not serve it")
            })?;
            out.push(HistoryEntry { block_time: entry.block_time.or(status.block_time), ..entry });
        }
        Ok(out)
    }
}
