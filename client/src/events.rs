//! Reading the program's events back from transaction logs ("Program data: <base64>" lines).
use anchor_lang::{AnchorDeserialize, Discriminator};
use base64::Engine;

/// Every event of type `E` in `logs`, in order.
pub fn decode<E: AnchorDeserialize + Discriminator>(logs: &[String]) -> Vec<E> {
    logs.iter()
        .filter_map(|line| line.strip_prefix("Program data: "))
        .filter_map(|data| base64::engine::general_purpose::STANDARD.decode(data).ok())
        .filter_map(|bytes| {
            let body = bytes.strip_prefix(E::DISCRIMINATOR)?;
            E::deserialize(&mut &body[..]).ok()
        })
        .collect()
}
