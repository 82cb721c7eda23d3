//! Oracle push: for each market on a push oracle this keeper is the authority of, publishes its
//! price source's price at the clock (less the quote's age) and caches it in the market. A
//! publish time the oracle already has is not pushed again.
use crate::OrPerp;
use anchor_lang::AccountDeserialize;
use perp::error::PerpError;
use perp::state::{OracleKind, PushOracle};
use perp_client::chain::Chain;
use perp_client::instructions;
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signer;

use crate::keeper::{CrankRun, Keeper, Sent};
use crate::prices::PriceQuote;
use crate::scan::Snapshot;

/// `price` at 1e6 in the oracle's exponent, exactly (`None` when it does not fit exactly).
pub fn to_oracle_units(price: u64, exponent: i32) -> Option<i64> {
    let shift = exponent.checked_add(6)?;
    let raw = if shift >= 0 {
        let div = 10u64.checked_pow(shift.unsigned_abs())?;
        price.is_multiple_of(div).then(|| price / div)?
    } else {
        price.checked_mul(10u64.checked_pow(shift.unsigned_abs())?)?
    };
    i64::try_from(raw).ok()
}

/// The `update_push_oracle` of `quote` published at `publish_time`, in `oracle`'s exponent;
/// `None` when the price or its confidence does not fit that exponent exactly.
pub fn push_instruction(
    authority: &Pubkey,
    oracle_key: &Pubkey,
    oracle: &PushOracle,
    quote: PriceQuote,
    publish_time: i64,
) -> Option<Instruction> {
    let price = clamp_move(oracle, to_oracle_units(quote.price, oracle.exponent)?, publish_time);
    let conf = u64::try_from(to_oracle_units(quote.conf, oracle.exponent)?).ok()?;
    Some(instructions::update_push_oracle(authority, oracle_key, price, conf, publish_time))
}

/// `price` (oracle units) moved no further from the oracle's last price than its cap allows at
/// `publish_time` (`max_move_ppm` per second since the last, at least one second's worth): the
/// program refuses a bigger move, so the keeper steps toward the source's price, push by push.
pub fn clamp_move(oracle: &PushOracle, price: i64, publish_time: i64) -> i64 {
    if oracle.price <= 0 {
        return price;
    }
    let ppm = i128::from(perp::state::MAX_PUSH_MOVE_PPM);
    let elapsed = i128::from(publish_time.saturating_sub(oracle.publish_time).max(1));
    let allowed = (i128::from(oracle.max_move_ppm) * elapsed).min(ppm);
    let last = i128::from(oracle.price);
    // Inside the cap on both sides: the low end rounded up, the high end down.
    let low = (last * (ppm - allowed) + ppm - 1) / ppm;
    let high = last * (ppm + allowed) / ppm;
    let clamped = i128::from(price).clamp(low.max(1), high);
    i64::try_from(clamped).unwrap_or(price)
}

pub async fn run(keeper: &Keeper, chain: &mut impl Chain, snapshot: &mut Snapshot) -> anyhow::Result<CrankRun> {
    let mut run = CrankRun::default();
    let Some(authority) = keeper.oracle_authority.as_ref() else { return Ok(run) };
    let now = snapshot.now;
    for market in &mut snapshot.markets {
        let header = market.header().or_perp()?;
        if header.oracle_kind != OracleKind::Push as u8 {
            continue;
        }
        let Some(account) = chain.account(&header.oracle).await? else { continue };
        let Ok(oracle) = PushOracle::try_deserialize(&mut account.data.as_slice()) else { continue };
        if oracle.authority != authority.pubkey() {
            continue;
        }
        let symbol = String::from_utf8_lossy(&header.symbol).trim_end_matches('\0').to_string();
        // The source is asked with the keeper's lock on it only for this read.
        let quote = { keeper.prices.lock().map(|mut p| p.quote(&symbol, now)).unwrap_or(None) };
        let Some(quote) = quote else { continue };
        let publish_time = now - quote.age;
        if publish_time <= oracle.publish_time {
            continue;
        }
        if let Some(units) = to_oracle_units(quote.price, oracle.exponent) {
            if clamp_move(&oracle, units, publish_time) != units {
                tracing::warn!(%symbol, price = %crate::units::price(quote.price), cap_ppm_per_sec = oracle.max_move_ppm, "price moves faster than the oracle's cap: stepping toward it");
            }
        }
        let Some(push) = push_instruction(&authority.pubkey(), &header.oracle, &oracle, quote, publish_time) else {
            tracing::warn!(%symbol, price = quote.price, exponent = oracle.exponent, "price does not fit the oracle's exponent");
            run.stats.errors += 1;
            continue;
        };
        let sent =
            keeper.send(chain, "oracle", &[push], &[authority], &[PerpError::OraclePublishTimeNotIncreasing]).await;
        run.count(&sent);
        if let Sent::Landed(_) = sent {
            tracing::info!(%symbol, price = %crate::units::price(quote.price), publish_time, "oracle pushed");
            // Cache it in the market (a stale or too uncertain price is refused there: logged).
            let refresh = instructions::refresh_oracle(&market.address, &header.oracle);
            let cached = keeper.send(chain, "oracle", &[refresh], &[], &[]).await;
            run.count(&cached);
        }
    }
    Ok(run)
}

#[cfg(test)]
mod tests;
