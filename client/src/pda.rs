//! Program-derived addresses, from the program's own seeds.
use perp::state::{EXCHANGE_SEED, INSURANCE_VAULT_SEED, TRADER_SEED, VAULT_SEED};
use solana_sdk::pubkey::Pubkey;

pub fn exchange() -> Pubkey {
    Pubkey::find_program_address(&[EXCHANGE_SEED], &perp::ID).0
}

pub fn vault() -> Pubkey {
    Pubkey::find_program_address(&[VAULT_SEED], &perp::ID).0
}

pub fn insurance_vault() -> Pubkey {
    Pubkey::find_program_address(&[INSURANCE_VAULT_SEED], &perp::ID).0
}

/// The trader account of `owner`'s sub-account `sub_account_id`.
pub fn trader(owner: &Pubkey, sub_account_id: u16) -> Pubkey {
    Pubkey::find_program_address(&[TRADER_SEED, owner.as_ref(), &sub_account_id.to_le_bytes()], &perp::ID).0
}

/// The keeper-pushed oracle of `symbol`.
pub fn push_oracle(symbol: &[u8; 16]) -> Pubkey {
    Pubkey::find_program_address(&[perp::state::PUSH_ORACLE_SEED, symbol], &perp::ID).0
}

/// A market symbol as its fixed 16-byte field (longer names are cut at 16 bytes).
pub fn symbol(name: &str) -> [u8; 16] {
    let mut out = [0u8; 16];
    let bytes = name.as_bytes();
    let n = bytes.len().min(16);
    out[..n].copy_from_slice(&bytes[..n]);
    out
}
