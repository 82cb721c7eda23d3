//! The keeper: who it is (its liquidator account, the oracle authority it pushes with), how it
//! sends (compute budget, priority fee, retries with backoff) and how a crank's transaction ended
//! (landed, already done by another keeper, or an error it logs and counts).
use std::sync::Arc;
use std::time::Duration;

use perp::error::PerpError;
use perp_client::chain::{error_of, Chain, Rejected, TxOutcome};
use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_sdk::instruction::Instruction;
use solana_sdk::message::AddressLookupTableAccount;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};

use crate::metrics::{CrankStats, Metrics};
use crate::prices::PriceSource;

/// How the keeper sends and trades.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Compute-unit limit set on every transaction (`None`: the runtime's default).
    pub compute_unit_limit: Option<u32>,
    /// Priority fee, micro-lamports per compute unit (0: none).
    pub priority_fee: u64,
    /// Unwinding a takeover: the IOC's limit is the oracle price moved against the keeper by
    /// this (ppm), so it never sells below (buys above) it.
    pub unwind_limit_ppm: u32,
    /// The funding crank samples a market whose last sample is at least this old (seconds);
    /// a due interval is applied whatever this says.
    pub funding_sample_secs: i64,
    /// Attempts at a transaction that fails before the program sees it (RPC errors), with
    /// backoff doubling from `retry_backoff`.
    pub send_attempts: u32,
    pub retry_backoff: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            compute_unit_limit: None,
            priority_fee: 0,
            unwind_limit_ppm: 20_000,
            funding_sample_secs: 60,
            send_attempts: 3,
            retry_backoff: Duration::from_millis(250),
        }
    }
}

/// The keeper's identity and settings, shared by its cranks.
pub struct Keeper {
    /// Owner of the keeper's trader account (the liquidator).
    pub owner: Keypair,
    pub sub_account: u16,
    /// Authority of the push oracles it updates (`None`: it pushes no prices).
    pub oracle_authority: Option<Keypair>,
    /// Prices for the push oracles (locked only to read one).
    pub prices: std::sync::Mutex<Box<dyn PriceSource>>,
    pub settings: Settings,
    pub metrics: Arc<Metrics>,
    /// Lookup tables this keeper created, reused by every transaction whose accounts one holds
    /// (each costs rent: one per set of accounts, not one per transaction).
    pub lookup_tables: std::sync::Mutex<Vec<AddressLookupTableAccount>>,
}

/// How one transaction of a crank ended.
#[derive(Debug)]
pub enum Sent {
    Landed(TxOutcome),
    /// The race's loser: another keeper (or the trader) had done it; counted as done.
    AlreadyDone(PerpError),
    /// The program rejected it for another reason.
    Rejected(PerpError),
    /// It failed before or outside the program (RPC, other runtime errors) after its retries.
    Failed(anyhow::Error),
}

/// One crank run's transactions and counts.
#[derive(Debug, Default)]
pub struct CrankRun {
    pub landed: Vec<TxOutcome>,
    pub stats: CrankStats,
}

impl CrankRun {
    /// Counts `sent` and keeps what landed.
    pub fn count(&mut self, sent: &Sent) {
        match sent {
            Sent::Landed(outcome) => {
                self.stats.landed += 1;
                self.landed.push(outcome.clone());
            }
            Sent::AlreadyDone(_) => self.stats.already_done += 1,
            Sent::Rejected(_) | Sent::Failed(_) => self.stats.errors += 1,
        }
    }

    pub fn merge(&mut self, other: CrankRun) {
        self.landed.extend(other.landed);
        self.stats.landed += other.stats.landed;
        self.stats.already_done += other.stats.already_done;
        self.stats.errors += other.stats.errors;
    }
}

impl Keeper {
    /// The keeper's trader account (the liquidator).
    pub fn trader(&self) -> Pubkey {
        perp_client::pda::trader(&self.owner.pubkey(), self.sub_account)
    }

    /// The compute-budget instructions this keeper puts first.
    pub fn budget_instructions(&self) -> Vec<Instruction> {
        let mut out = Vec::new();
        if let Some(limit) = self.settings.compute_unit_limit {
            out.push(ComputeBudgetInstruction::set_compute_unit_limit(limit));
        }
        if self.settings.priority_fee > 0 {
            out.push(ComputeBudgetInstruction::set_compute_unit_price(self.settings.priority_fee));
        }
        out
    }

    /// A lookup table holding every one of `addresses`: one this keeper made before, or a new one.
    async fn lookup_table(
        &self,
        chain: &mut impl Chain,
        addresses: &[Pubkey],
    ) -> anyhow::Result<AddressLookupTableAccount> {
        let cached = self
            .lookup_tables
            .lock()
            .ok()
            .and_then(|tables| tables.iter().find(|t| addresses.iter().all(|a| t.addresses.contains(a))).cloned());
        if let Some(table) = cached {
            return Ok(table);
        }
        let table = chain.lookup_table(addresses).await?;
        if let Ok(mut tables) = self.lookup_tables.lock() {
            tables.push(table.clone());
        }
        Ok(table)
    }

    /// Sends `ixs` for `crank` with the compute budget, retrying with backoff what failed before
    /// the program saw it. A program error in `already_done` is the race's loser: done.
    pub async fn send(
        &self,
        chain: &mut impl Chain,
        crank: &str,
        ixs: &[Instruction],
        signers: &[&Keypair],
        already_done: &[PerpError],
    ) -> Sent {
        let mut all = self.budget_instructions();
        all.extend_from_slice(ixs);
        // A liquidation between two accounts of many markets does not fit a legacy transaction:
        // its accounts go in a lookup table made for it, and it goes as a v0 transaction.
        let table = if perp_client::lookup::fits_legacy(&chain.payer(), &all) {
            None
        } else {
            match self.lookup_table(chain, &perp_client::lookup::table_addresses(&all)).await {
                Ok(table) => Some(table),
                Err(error) => {
                    tracing::warn!(crank, error = %error, "lookup table not created");
                    return Sent::Failed(error);
                }
            }
        };
        let mut backoff = self.settings.retry_backoff;
        let mut attempt = 1;
        loop {
            let sent = match &table {
                None => chain.send(&all, signers).await,
                Some(table) => chain.send_v0(&all, signers, std::slice::from_ref(table)).await,
            };
            match sent {
                Ok(outcome) => return Sent::Landed(outcome),
                Err(error) => {
                    if let Some(code) = error_of(&error) {
                        if already_done.contains(&code) {
                            tracing::debug!(crank, error = ?code, "already done by someone else");
                            return Sent::AlreadyDone(code);
                        }
                        tracing::warn!(crank, error = ?code, "rejected: {code}");
                        return Sent::Rejected(code);
                    }
                    if error.downcast_ref::<Rejected>().is_some() || attempt >= self.settings.send_attempts {
                        tracing::warn!(crank, attempt, error = %error, "transaction failed");
                        return Sent::Failed(error);
                    }
                    tracing::info!(crank, attempt, error = %error, "send failed; retrying after {backoff:?}");
                    tokio::time::sleep(backoff).await;
                    backoff *= 2;
                    attempt += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
