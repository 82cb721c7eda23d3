//! The JSON-RPC backend of `Chain` (solana-rpc-client), with retries and backoff.
use std::time::Duration;

use solana_account_decoder_client_types::UiAccountEncoding;
use solana_commitment_config::CommitmentConfig;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client_api::config::{RpcAccountInfoConfig, RpcProgramAccountsConfig, RpcTransactionConfig};
use solana_rpc_client_api::filter::{Memcmp, RpcFilterType};
use solana_sdk::account::Account;
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signature, Signer};
use solana_sdk::transaction::Transaction;
use solana_transaction_status_client_types::{option_serializer::OptionSerializer, UiTransactionEncoding};

use crate::chain::{Chain, TxOutcome};

/// Attempts for a transaction that fails before reaching the program (blockhash not yet known,
/// node warming up); a transaction the program rejects is never retried.
pub const SEND_ATTEMPTS: u32 = 8;
/// Attempts to read a just-confirmed transaction back from the node's history (100 ms apart).
pub const HISTORY_ATTEMPTS: u32 = 50;

pub struct RpcChain {
    pub rpc: RpcClient,
    pub payer: Keypair,
}

impl RpcChain {
    pub fn new(url: String, payer: Keypair) -> Self {
        Self { rpc: RpcClient::new_with_commitment(url, CommitmentConfig::confirmed()), payer }
    }

    /// The program logs of a confirmed transaction. The node records a transaction's status a
    /// moment after confirming it, so a missing transaction is asked for again.
    pub async fn transaction_logs(&self, signature: &Signature) -> anyhow::Result<Vec<String>> {
        let config = RpcTransactionConfig {
            encoding: Some(UiTransactionEncoding::Base64),
            commitment: Some(CommitmentConfig::confirmed()),
            max_supported_transaction_version: Some(0),
        };
        let mut attempt = 1;
        let tx = loop {
            match self.rpc.get_transaction_with_config(signature, config).await {
                Ok(tx) => break tx,
                Err(e) if attempt < HISTORY_ATTEMPTS => {
                    tracing::debug!(attempt, error = %e, "transaction not in history yet");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    attempt += 1;
                }
                Err(e) => return Err(anyhow::anyhow!("logs of {signature}: {e}")),
            }
        };
        let logs = match tx.transaction.meta.map(|m| m.log_messages) {
            Some(OptionSerializer::Some(logs)) => logs,
            _ => Vec::new(),
        };
        Ok(logs)
    }

    /// All program accounts of `size` bytes whose bytes at `offset` equal `bytes`.
    pub async fn program_accounts(
        &self,
        size: u64,
        offset: usize,
        bytes: &[u8],
    ) -> anyhow::Result<Vec<(Pubkey, Account)>> {
        let config = RpcProgramAccountsConfig {
            filters: Some(vec![
                RpcFilterType::DataSize(size),
                RpcFilterType::Memcmp(Memcmp::new_raw_bytes(offset, bytes.to_vec())),
            ]),
            account_config: RpcAccountInfoConfig {
                encoding: Some(UiAccountEncoding::Base64),
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
}

/// Whether a send error is about the transaction never reaching the program (worth retrying).
fn is_transient(error: &solana_rpc_client_api::client_error::Error) -> bool {
    let text = error.to_string();
    text.contains("Blockhash not found")
        || text.contains("BlockhashNotFound")
        || text.contains("Node is behind")
        || text.contains("unable to confirm")
        || text.contains("error sending request")
}

impl Chain for RpcChain {
    fn payer(&self) -> Pubkey {
        self.payer.pubkey()
    }

    async fn send(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> anyhow::Result<TxOutcome> {
        let mut all: Vec<&Keypair> = vec![&self.payer];
        all.extend(signers.iter().copied().filter(|k| k.pubkey() != self.payer.pubkey()));
        let mut delay = Duration::from_millis(200);
        let mut attempt = 1;
        loop {
            let blockhash = self.rpc.get_latest_blockhash().await?;
            let tx = Transaction::new_signed_with_payer(ixs, Some(&self.payer.pubkey()), &all, blockhash);
            match self.rpc.send_and_confirm_transaction(&tx).await {
                Ok(signature) => {
                    let logs = self.transaction_logs(&signature).await?;
                    return Ok(TxOutcome { signature, logs });
                }
                Err(e) if attempt < SEND_ATTEMPTS && is_transient(&e) => {
                    tracing::debug!(attempt, error = %e, "transient send failure; retrying");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(3));
                    attempt += 1;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    async fn account(&mut self, address: &Pubkey) -> anyhow::Result<Option<Account>> {
        Ok(self.rpc.get_account_with_commitment(address, CommitmentConfig::confirmed()).await?.value)
    }

    async fn rent_exempt_minimum(&mut self, len: usize) -> anyhow::Result<u64> {
        Ok(self.rpc.get_minimum_balance_for_rent_exemption(len).await?)
    }
}
