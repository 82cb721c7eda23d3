//! Decoding the program's accounts from raw account data.
use anchor_lang::{AccountDeserialize, Discriminator, Space};
use perp::error::PerpError;
use perp::state::{Exchange, MarketHeader, Trader};
use solana_sdk::pubkey::Pubkey;

use crate::chain::AccountFilter;

/// Every market account of the program (any size: capacities differ).
pub fn market_filter() -> AccountFilter {
    AccountFilter { data_size: None, offset: 0, bytes: MarketHeader::DISCRIMINATOR.to_vec() }
}

/// Every trader account of the program.
pub fn trader_filter() -> AccountFilter {
    AccountFilter { data_size: Some((8 + Trader::INIT_SPACE) as u64), offset: 0, bytes: Trader::DISCRIMINATOR.to_vec() }
}

/// Why account data could not be decoded.
#[derive(Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// Too short, wrong discriminator or bad layout.
    Invalid(String),
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeError::Invalid(why) => write!(f, "invalid account data: {why}"),
        }
    }
}

impl std::error::Error for DecodeError {}

fn decode<T: AccountDeserialize>(mut data: &[u8]) -> Result<T, DecodeError> {
    T::try_deserialize(&mut data).map_err(|e| DecodeError::Invalid(e.to_string()))
}

pub fn exchange(data: &[u8]) -> Result<Exchange, DecodeError> {
    decode(data)
}

pub fn trader(data: &[u8]) -> Result<Trader, DecodeError> {
    decode(data)
}

/// The program's custom error code (as it appears in `InstructionError::Custom`).
pub fn error_code(error: PerpError) -> u32 {
    error.into()
}

/// Decodes trader accounts' data (Anchor discriminator checked).
pub fn decode_traders(accounts: &[(Pubkey, Vec<u8>)]) -> anyhow::Result<Vec<(Pubkey, Trader)>> {
    accounts
        .iter()
        .map(|(address, data)| {
            let trader =
                Trader::try_deserialize(&mut data.as_slice()).map_err(|e| anyhow::anyhow!("trader {address}: {e}"))?;
            Ok((*address, trader))
        })
        .collect()
}
