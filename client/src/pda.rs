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

/// The upgradeable BPF loader (`solana program deploy`'s).
pub const UPGRADEABLE_LOADER: Pubkey = solana_sdk::pubkey!("BPFLoaderUpgradeab1e11111111111111111111111");

/// The program's `ProgramData` account under the upgradeable loader (where its upgrade authority
/// is recorded; `initialize_exchange` takes it).
pub fn program_data() -> Pubkey {
    Pubkey::find_program_address(&[perp::ID.as_ref()], &UPGRADEABLE_LOADER).0
}

/// The trader account of `owner`'s sub-account `sub_account_id`.
pub fn trader(owner: &Pubkey, sub_account_id: u16) -> Pubkey {
    Pubkey::find_program_address(&[TRADER_SEED, owner.as_ref(), &sub_account_id.to_le_bytes()], &perp::ID).0
}

/// The keeper-pushed oracle of `symbol`.
pub fn push_oracle(symbol: &[u8; 16]) -> Pubkey {
    Pubkey::find_program_address(&[perp::state::PUSH_ORACLE_SEED, symbol], &perp::ID).0
}

/// The announced (timelocked) update of `market`.
pub fn market_update(market: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[perp::state::MARKET_UPDATE_SEED, market.as_ref()], &perp::ID).0
}

/// A market symbol as its fixed 16-byte field (longer names are cut at 16 bytes).
pub fn symbol(name: &str) -> [u8; 16] {
    let mut out = [0u8; 16];
    let bytes = name.as_bytes();
    let n = bytes.len().min(16);
    out[..n].copy_from_slice(&bytes[..n]);
    out
}

/// Pyth's push-oracle program, which keeps each sponsored feed's `PriceUpdateV2` account current.
pub const PYTH_PUSH_ORACLE: Pubkey = solana_sdk::pubkey!("pythWSnswVUd12oZpeFP8e9CVaEqJg25g1Vtc2biRsT");

/// The `PriceUpdateV2` account Pyth's push oracle keeps for `feed_id` on shard `shard`.
pub fn pyth_price_feed(shard: u16, feed_id: &[u8; 32]) -> Pubkey {
    Pubkey::find_program_address(&[&shard.to_le_bytes(), feed_id], &PYTH_PUSH_ORACLE).0
}

/// The oracle account a market's instructions take: its push oracle, or for a Pyth market the
/// feed's account on shard 0 (any fully verified `PriceUpdateV2` of the feed is accepted; this
/// is the one Pyth keeps current).
pub fn oracle_account(header: &perp::state::MarketHeader) -> Result<Pubkey, perp::error::PerpError> {
    Ok(oracle_account_of(perp::state::OracleKind::try_from(header.oracle_kind)?, &header.oracle))
}

/// The oracle account of a market's oracle setting (`MarketConfig::oracle_kind` and `oracle`).
pub fn oracle_account_of(kind: perp::state::OracleKind, oracle: &Pubkey) -> Pubkey {
    match kind {
        perp::state::OracleKind::Push => *oracle,
        perp::state::OracleKind::Pyth => pyth_price_feed(0, &oracle.to_bytes()),
    }
}

/// The SPL associated token account program.
pub const ASSOCIATED_TOKEN_PROGRAM: Pubkey = solana_sdk::pubkey!("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL");

/// `owner`'s associated token account of `mint` (classic SPL Token).
pub fn associated_token(owner: &Pubkey, mint: &Pubkey) -> Pubkey {
    let seeds: [&[u8]; 3] = [owner.as_ref(), anchor_spl::token::ID.as_ref(), mint.as_ref()];
    Pubkey::find_program_address(&seeds, &ASSOCIATED_TOKEN_PROGRAM).0
}

#[cfg(test)]
mod tests;
