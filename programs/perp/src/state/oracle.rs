//! Oracles: the keeper-pushed `PushOracle` account and reading a market's oracle (push or Pyth
//! pull) with its guards.
use anchor_lang::prelude::*;
use pyth_solana_receiver_sdk::price_update::{PriceUpdateV2, VerificationLevel};

use crate::error::{PerpError, PerpResult};
use crate::math::oracle::{validated_price, OracleGuard, OracleReading};
use crate::state::market::{MarketHeader, OracleKind};

/// How far a pushed publish time may run ahead of the chain's clock, seconds.
pub const MAX_ORACLE_CLOCK_SKEW_SECS: i64 = 30;

/// A price pushed by its authority (the exchange's keeper): PDA `["push_oracle", symbol]`.
#[account]
#[derive(InitSpace, Debug)]
pub struct PushOracle {
    pub authority: Pubkey,
    pub symbol: [u8; 16],
    pub price: i64,
    pub conf: u64,
    pub exponent: i32,
    pub publish_time: i64,
    /// Most one push may move the price from the last, ppm per second of publish time since the
    /// last (at least one second's worth): fixed at creation (a market changes it only by moving
    /// to another oracle, which is timelocked). A stolen authority key moves the price at most
    /// this fast, so there is time to pause.
    pub max_move_ppm: u32,
}

/// Range of `PushOracle::max_move_ppm`: above zero, at most 100% per second.
pub const MAX_PUSH_MOVE_PPM: u32 = 1_000_000;

impl PushOracle {
    pub fn reading(&self) -> OracleReading {
        OracleReading { price: self.price, conf: self.conf, exponent: self.exponent, publish_time: self.publish_time }
    }

    /// Applies a new reading at clock time `now`: positive price, strictly later publish time, not
    /// beyond the clock by more than `MAX_ORACLE_CLOCK_SKEW_SECS` (a time in milliseconds by
    /// mistake would switch staleness off, then lock every later refresh), and within
    /// `max_move_ppm` per elapsed second of the last price.
    pub fn update(&mut self, price: i64, conf: u64, publish_time: i64, now: i64) -> PerpResult<()> {
        crate::validate!(price > 0, PerpError::NonPositiveOraclePrice, "pushed price {}", price);
        crate::validate!(
            publish_time > self.publish_time,
            PerpError::OraclePublishTimeNotIncreasing,
            "publish time {} not after the oracle's {}",
            publish_time,
            self.publish_time
        );
        crate::validate!(
            publish_time <= now.saturating_add(MAX_ORACLE_CLOCK_SKEW_SECS),
            PerpError::OraclePublishTimeInFuture,
            "publish time {} ahead of the clock {} by more than {} s",
            publish_time,
            now,
            MAX_ORACLE_CLOCK_SKEW_SECS
        );
        if self.price > 0 {
            // publish_time > self.publish_time here: at least one second elapsed.
            let elapsed = u128::try_from(publish_time.saturating_sub(self.publish_time)).unwrap_or(u128::MAX);
            let allowed = u128::from(self.max_move_ppm).saturating_mul(elapsed).min(u128::from(MAX_PUSH_MOVE_PPM));
            let moved = u128::from(price.abs_diff(self.price)).saturating_mul(u128::from(MAX_PUSH_MOVE_PPM));
            let limit = u128::from(self.price.unsigned_abs()).saturating_mul(allowed);
            crate::validate!(
                moved <= limit,
                PerpError::OracleMoveTooLarge,
                "push from {} to {} after {} s; cap {} ppm per second",
                self.price,
                price,
                elapsed,
                self.max_move_ppm
            );
        }
        (self.price, self.conf, self.publish_time) = (price, conf, publish_time);
        Ok(())
    }
}

/// The pull-oracle program whose `PriceUpdateV2` accounts the exchange reads.
pub const PYTH_RECEIVER_ID: Pubkey = pyth_solana_receiver_sdk::ID;

/// The raw reading of `oracle` if it is `header`'s oracle: the right account (push) or feed
/// (Pyth), owned by the right program, fully verified (Pyth).
pub fn oracle_reading(header: &MarketHeader, oracle: &AccountInfo) -> PerpResult<OracleReading> {
    match OracleKind::try_from(header.oracle_kind)? {
        OracleKind::Push => {
            if *oracle.key != header.oracle || *oracle.owner != crate::ID {
                return Err(PerpError::ForeignOracle);
            }
            let data = oracle.try_borrow_data().map_err(|_| PerpError::InvalidOracleAccount)?;
            let push = PushOracle::try_deserialize(&mut &data[..]).map_err(|_| PerpError::InvalidOracleAccount)?;
            Ok(push.reading())
        }
        OracleKind::Pyth => {
            if *oracle.owner != PYTH_RECEIVER_ID {
                return Err(PerpError::ForeignOracle);
            }
            let data = oracle.try_borrow_data().map_err(|_| PerpError::InvalidOracleAccount)?;
            let update = PriceUpdateV2::try_deserialize(&mut &data[..]).map_err(|_| PerpError::InvalidOracleAccount)?;
            if update.price_message.feed_id != header.oracle.to_bytes() {
                return Err(PerpError::ForeignOracle);
            }
            if update.verification_level != VerificationLevel::Full {
                return Err(PerpError::OracleNotFullyVerified);
            }
            let m = &update.price_message;
            Ok(OracleReading { price: m.price, conf: m.conf, exponent: m.exponent, publish_time: m.publish_time })
        }
    }
}

/// Reads, validates and caches the market's oracle price at `now`; returns the price the market
/// now holds (1e6).
pub fn refresh_oracle_price(header: &mut MarketHeader, oracle: &AccountInfo, now: i64) -> PerpResult<u64> {
    let reading = oracle_reading(header, oracle)?;
    let guard = OracleGuard { max_age_secs: header.oracle_max_age_secs, max_conf_ppm: header.oracle_max_conf_ppm };
    let price = validated_price(&reading, &guard, now)?;
    // A Pyth update is any signed update within the max age. One older than the update the
    // market already priced with is ignored, and the market keeps its newer price: a caller
    // cannot pick a more favourable older price, and a newer refresh by someone else does not
    // make a transaction carrying an older update fail. (The cached price is fresh: it is newer
    // than this update, which passed the max age.)
    if reading.publish_time < header.oracle_publish_time {
        return Ok(header.oracle_price);
    }
    header.oracle_price = price;
    header.oracle_publish_time = reading.publish_time;
    Ok(price)
}
