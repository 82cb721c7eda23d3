use std::time::Instant;

use perp_client::chain::AccountFilter;
use solana_sdk::account::Account;
use solana_sdk::instruction::InstructionError;
use solana_sdk::transaction::TransactionError;

use super::*;
use crate::prices::FixedPrices;

/// A chain whose first `failures` sends fail with `error`, recording what it was asked to send.
struct Scripted {
    failures: u32,
    error: fn() -> anyhow::Error,
    sends: Vec<Vec<Instruction>>,
}

impl Chain for Scripted {
    fn payer(&self) -> Pubkey {
        Pubkey::default()
    }

    async fn send(&mut self, ixs: &[Instruction], _signers: &[&Keypair]) -> anyhow::Result<TxOutcome> {
        self.sends.push(ixs.to_vec());
        if self.sends.len() as u32 <= self.failures {
            return Err((self.error)());
        }
        Ok(TxOutcome::default())
    }

    async fn account(&mut self, _address: &Pubkey) -> anyhow::Result<Option<Account>> {
        Ok(None)
    }

    async fn rent_exempt_minimum(&mut self, _len: usize) -> anyhow::Result<u64> {
        Ok(0)
    }

    async fn program_accounts(&mut self, _filter: &AccountFilter) -> anyhow::Result<Vec<(Pubkey, Account)>> {
        Ok(Vec::new())
    }

    async fn multiple_accounts(&mut self, addresses: &[Pubkey]) -> anyhow::Result<Vec<Option<Account>>> {
        Ok(vec![None; addresses.len()])
    }

    async fn history(&mut self, _: &Pubkey, _: usize) -> anyhow::Result<Vec<perp_client::chain::HistoryEntry>> {
        Ok(Vec::new())
    }

    async fn lookup_table(
        &mut self,
        addresses: &[Pubkey],
    ) -> anyhow::Result<solana_sdk::message::AddressLookupTableAccount> {
        Ok(solana_sdk::message::AddressLookupTableAccount { key: Pubkey::new_unique(), addresses: addresses.to_vec() })
    }

    async fn send_v0(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
        _tables: &[solana_sdk::message::AddressLookupTableAccount],
    ) -> anyhow::Result<TxOutcome> {
        self.send(ixs, signers).await
    }
}

fn keeper(settings: Settings) -> Keeper {
    Keeper {
        owner: Keypair::new(),
        sub_account: 0,
        oracle_authority: None,
        prices: std::sync::Mutex::new(Box::new(FixedPrices::default())),
        settings,
        metrics: Metrics::new(),
        lookup_tables: Default::default(),
    }
}

fn program_error(error: PerpError) -> anyhow::Error {
    Rejected(TransactionError::InstructionError(0, InstructionError::Custom(error.into()))).into()
}

fn memo() -> Instruction {
    Instruction::new_with_bytes(Pubkey::new_unique(), &[1], Vec::new())
}

#[tokio::test]
async fn rpc_failures_are_retried_with_backoff_and_program_errors_are_not() {
    let settings = Settings { send_attempts: 3, retry_backoff: Duration::from_millis(20), ..Settings::default() };
    let k = keeper(settings);
    // Two failures before the program: retried, 20 + 40 ms of backoff, then it lands.
    let mut chain = Scripted { failures: 2, error: || anyhow::anyhow!("connection refused"), sends: Vec::new() };
    let started = Instant::now();
    assert!(matches!(k.send(&mut chain, "test", &[memo()], &[], &[]).await, Sent::Landed(_)));
    assert_eq!(chain.sends.len(), 3);
    assert!(started.elapsed() >= Duration::from_millis(60));
    // Always failing: gives up after its attempts.
    let mut chain = Scripted { failures: 10, error: || anyhow::anyhow!("connection refused"), sends: Vec::new() };
    assert!(matches!(k.send(&mut chain, "test", &[memo()], &[], &[]).await, Sent::Failed(_)));
    assert_eq!(chain.sends.len(), 3);
    // A program error is final: sent once.
    let mut chain =
        Scripted { failures: 10, error: || program_error(PerpError::LiquidatorBelowInitial), sends: Vec::new() };
    let sent = k.send(&mut chain, "test", &[memo()], &[], &[PerpError::NotLiquidatable]).await;
    assert!(matches!(sent, Sent::Rejected(PerpError::LiquidatorBelowInitial)), "{sent:?}");
    assert_eq!(chain.sends.len(), 1);
    // The race's loser: done, not an error.
    let mut chain = Scripted { failures: 10, error: || program_error(PerpError::NotLiquidatable), sends: Vec::new() };
    let sent = k.send(&mut chain, "test", &[memo()], &[], &[PerpError::NotLiquidatable]).await;
    assert!(matches!(sent, Sent::AlreadyDone(PerpError::NotLiquidatable)), "{sent:?}");
    let mut run = CrankRun::default();
    run.count(&sent);
    assert_eq!((run.stats.already_done, run.stats.errors), (1, 0));
}

#[tokio::test]
async fn every_transaction_carries_the_compute_budget_first() {
    let k = keeper(Settings { compute_unit_limit: Some(300_000), priority_fee: 5_000, ..Settings::default() });
    let mut chain = Scripted { failures: 0, error: || anyhow::anyhow!("unused"), sends: Vec::new() };
    let ix = memo();
    k.send(&mut chain, "test", std::slice::from_ref(&ix), &[], &[]).await;
    let sent = &chain.sends[0];
    assert_eq!(sent.len(), 3);
    assert_eq!(sent[0], ComputeBudgetInstruction::set_compute_unit_limit(300_000));
    assert_eq!(sent[1], ComputeBudgetInstruction::set_compute_unit_price(5_000));
    assert_eq!(sent[2], ix);
    // Neither set: the instructions alone.
    let k = keeper(Settings::default());
    let mut chain = Scripted { failures: 0, error: || anyhow::anyhow!("unused"), sends: Vec::new() };
    k.send(&mut chain, "test", &[memo()], &[], &[]).await;
    assert_eq!(chain.sends[0].len(), 1);
}
