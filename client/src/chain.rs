//! Chain access behind one trait, with two backends: the in-process bank (perp-migrations'
//! `Localnet`) and JSON-RPC (`rpc::RpcChain`). Bootstrap, keeper and CLI code is written once
//! against this trait.
use solana_sdk::account::Account;
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signature};

/// What a confirmed transaction left behind.
#[derive(Debug, Clone, Default)]
pub struct TxOutcome {
    pub signature: Signature,
    /// The program logs (events are read back from them).
    pub logs: Vec<String>,
}

// The futures are awaited on the caller's task; no `Send` bound is promised to callers.
#[allow(async_fn_in_trait)]
pub trait Chain {
    /// The fee payer of every transaction sent through `send`.
    fn payer(&self) -> Pubkey;

    /// Signs with the payer and `signers`, sends and confirms.
    async fn send(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> anyhow::Result<TxOutcome>;

    /// The account at `address`, `None` when it does not exist.
    async fn account(&mut self, address: &Pubkey) -> anyhow::Result<Option<Account>>;

    /// Lamports that make an account of `len` bytes rent-exempt.
    async fn rent_exempt_minimum(&mut self, len: usize) -> anyhow::Result<u64>;
}
