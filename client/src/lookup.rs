//! Transactions that fit: the legacy limits (1,232 bytes, 64 account locks), and address lookup
//! tables with v0 transactions for instructions whose accounts do not fit in a legacy one, such
//! as a liquidation whose two accounts span many markets.
use solana_address_lookup_table_interface::instruction::{create_lookup_table, extend_lookup_table};
use solana_sdk::hash::Hash;
use solana_sdk::instruction::Instruction;
use solana_sdk::message::{v0, AddressLookupTableAccount, Message, VersionedMessage};
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;
use solana_sdk::transaction::VersionedTransaction;

/// Most bytes a transaction may take on the wire.
pub const MAX_TX_BYTES: usize = 1_232;
/// Most accounts a transaction may lock.
pub const MAX_ACCOUNT_LOCKS: usize = 64;
/// Addresses one `extend_lookup_table` instruction adds (so its transaction fits).
pub const EXTEND_CHUNK: usize = 20;

/// Wire size of a legacy transaction of `ixs` paid by `payer`, and the accounts it locks.
pub fn legacy_size(payer: &Pubkey, ixs: &[Instruction]) -> (usize, usize) {
    let message = Message::new(ixs, Some(payer));
    let bytes = 1 + 64 * usize::from(message.header.num_required_signatures) + message.serialize().len();
    (bytes, message.account_keys.len())
}

/// Whether `ixs` fit in one legacy transaction.
pub fn fits_legacy(payer: &Pubkey, ixs: &[Instruction]) -> bool {
    let (bytes, locks) = legacy_size(payer, ixs);
    bytes <= MAX_TX_BYTES && locks <= MAX_ACCOUNT_LOCKS
}

/// A new lookup table of `authority` (derived from `recent_slot`, a slot the chain still
/// remembers) holding `addresses`: its address, and the transactions that make it, each a list
/// of instructions (the first creates it; each adds up to `EXTEND_CHUNK` addresses). The table
/// serves transactions from the slot after the last extension.
pub fn table_instructions(
    authority: &Pubkey,
    payer: &Pubkey,
    recent_slot: u64,
    addresses: &[Pubkey],
) -> (Pubkey, Vec<Vec<Instruction>>) {
    let (create, table) = create_lookup_table(*authority, *payer, recent_slot);
    let mut txs = vec![vec![create]];
    for chunk in addresses.chunks(EXTEND_CHUNK) {
        txs.push(vec![extend_lookup_table(table, *authority, Some(*payer), chunk.to_vec())]);
    }
    (table, txs)
}

/// The accounts of `ixs` a lookup table can hold: every account but the signers and the
/// programs invoked (those must stay in the message), each once.
pub fn table_addresses(ixs: &[Instruction]) -> Vec<Pubkey> {
    let programs: Vec<Pubkey> = ixs.iter().map(|ix| ix.program_id).collect();
    let mut out: Vec<Pubkey> = Vec::new();
    for meta in ixs.iter().flat_map(|ix| ix.accounts.iter()) {
        if !meta.is_signer && !programs.contains(&meta.pubkey) && !out.contains(&meta.pubkey) {
            out.push(meta.pubkey);
        }
    }
    out
}

/// A signed v0 transaction of `ixs` paid by `payer`, loading accounts through `tables`; its wire
/// size is checked against `MAX_TX_BYTES`.
pub fn v0_transaction(
    payer: &Keypair,
    signers: &[&Keypair],
    ixs: &[Instruction],
    tables: &[AddressLookupTableAccount],
    blockhash: Hash,
) -> anyhow::Result<VersionedTransaction> {
    let message = v0::Message::try_compile(&solana_sdk::signature::Signer::pubkey(payer), ixs, tables, blockhash)?;
    let mut all: Vec<&Keypair> = vec![payer];
    all.extend(signers.iter().copied().filter(|k| k.to_bytes() != payer.to_bytes()));
    let tx = VersionedTransaction::try_new(VersionedMessage::V0(message), &all)?;
    let bytes = bincode_size(&tx)?;
    anyhow::ensure!(bytes <= MAX_TX_BYTES, "v0 transaction of {bytes} bytes exceeds {MAX_TX_BYTES}");
    Ok(tx)
}

/// Wire size of a versioned transaction.
pub fn bincode_size(tx: &VersionedTransaction) -> anyhow::Result<usize> {
    Ok(usize::try_from(bincode::serialized_size(tx)?)?)
}
