//! Loading a trader's markets (its margin set) from an instruction's accounts, and emitting the
//! events of what the engine did to them.
use core::cell::RefMut;

use anchor_lang::prelude::*;
use anchor_lang::Discriminator;

use crate::engine::account::Settled;
use crate::engine::adl::AdlApplied;
use crate::engine::bankruptcy::InsuranceSweep;
use crate::engine::funding::{accrue, after_book_change, funding_due, update_funding, FundingUpdate};
use crate::engine::orders::CancelRecord;
use crate::error::PerpError;
use crate::events::{
    AdlApplied as AdlAppliedEvent, FundingApplied, FundingSampled, FundingSettled, InsurancePositionSwept,
    OraclePriceCached, OrderCancelled, SeatReleased, SeatSettled, SocializedLossCharged,
};
use crate::math::SafeMath;
use crate::state::oracle::refresh_oracle_price;
use crate::state::{Ledger, MarketHeader, MarketView, Trader};

/// A market account whose data the instruction holds borrowed.
pub struct LoadedMarket<'a, 'info> {
    pub key: Pubkey,
    data: RefMut<'a, &'info mut [u8]>,
}

/// Checks that `info` is a market account of this program (owner and discriminator), read-only.
pub fn require_market(info: &AccountInfo) -> Result<()> {
    let data = info.try_borrow_data()?;
    if *info.owner != crate::ID || data.get(..8) != Some(MarketHeader::DISCRIMINATOR) {
        return Err(PerpError::NotAMarket.into());
    }
    Ok(())
}

impl<'a, 'info> LoadedMarket<'a, 'info> {
    /// Borrows a writable market account of this program.
    pub fn load(info: &'a AccountInfo<'info>) -> Result<Self> {
        if *info.owner != crate::ID || !info.is_writable {
            return Err(PerpError::NotAMarket.into());
        }
        let data = info.try_borrow_mut_data()?;
        if data.get(..8) != Some(MarketHeader::DISCRIMINATOR) {
            return Err(PerpError::NotAMarket.into());
        }
        Ok(Self { key: *info.key, data })
    }

    pub fn view(&mut self) -> Result<MarketView<'_>> {
        Ok(MarketView::from_account_data(&mut self.data[..])?)
    }
}

/// When an instruction runs a market's funding update.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum FundingCrank {
    /// Every time (`update_funding`, the keeper's crank): a premium sample.
    Always,
    /// Only when the interval has ended (trading, withdrawals), so nobody trades or withdraws
    /// ahead of a due funding payment; without reading the book (`engine::funding::accrue`):
    /// sampling is the crank's job.
    WhenDue,
}

/// Brings a market up to `now` for an instruction that prices it: validates and caches its
/// oracle price, then runs its funding update as `crank` says. Returns the funding dust the
/// caller moves to the insurance fund.
pub fn refresh_market(
    key: &Pubkey,
    view: &mut MarketView,
    oracle: &AccountInfo,
    now: i64,
    crank: FundingCrank,
) -> Result<u64> {
    let price = refresh_oracle_price(view.header, oracle, now)?;
    emit_event!(OraclePriceCached { market: *key, price, publish_time: view.header.oracle_publish_time });
    let applied = match crank {
        FundingCrank::WhenDue if !funding_due(view.header, now)? => None,
        FundingCrank::WhenDue => accrue(view.header, now)?.1,
        FundingCrank::Always => {
            let update = update_funding(view, now)?;
            emit_funding_sampled(key, &update, price);
            update.applied
        }
    };
    let Some(applied) = applied else { return Ok(0) };
    emit_event!(FundingApplied::from_applied(*key, &applied, view.header));
    Ok(applied.dust)
}

pub fn emit_funding_sampled(key: &Pubkey, update: &FundingUpdate, oracle_price: u64) {
    emit_event!(FundingSampled::from_update(*key, update, oracle_price));
}

/// After a book change: the funding reading accrues and the book is read again (or the reading
/// is neutralized, see `engine::funding::after_book_change`), with its event.
pub fn resample_after_book_change(key: &Pubkey, view: &mut MarketView, now: i64, oracle_fresh: bool) -> Result<()> {
    if let Some(update) = after_book_change(view, now, oracle_fresh)? {
        emit_funding_sampled(key, &update, view.header.oracle_price);
    }
    Ok(())
}

/// A trader's markets loaded from an instruction's remaining accounts.
pub struct MarginSet<'a, 'info> {
    pub markets: Vec<LoadedMarket<'a, 'info>>,
    /// Funding dust their updates owe the insurance fund.
    pub funding_dust: u64,
}

/// The trader's markets as passed in `remaining` (after any primary market, which the caller
/// loads itself): every market of the trader except `primary`, in the trader's slot order, each
/// followed by its oracle when `with_oracles`. See [`load_markets`].
pub fn load_margin_set<'a, 'info>(
    trader: &Trader,
    primary: Option<&Pubkey>,
    remaining: &'a [AccountInfo<'info>],
    with_oracles: bool,
    now: i64,
) -> Result<MarginSet<'a, 'info>> {
    let expected: Vec<Pubkey> = trader.active_markets().map(|m| m.market).filter(|m| Some(m) != primary).collect();
    load_markets(&expected, primary, remaining, with_oracles, now)
}

/// The markets `expected` (none of them `primary`), as passed in `remaining` in that order, each
/// followed by its oracle when `with_oracles`. With oracles, each market is brought up to `now`
/// ([`refresh_market`], funding when due). A market missing, passed twice, or not the expected
/// one is rejected with a specific error.
pub fn load_markets<'a, 'info>(
    expected: &[Pubkey],
    primary: Option<&Pubkey>,
    remaining: &'a [AccountInfo<'info>],
    with_oracles: bool,
    now: i64,
) -> Result<MarginSet<'a, 'info>> {
    let stride = if with_oracles { 2 } else { 1 };
    let mut loaded: Vec<LoadedMarket<'a, 'info>> = Vec::with_capacity(expected.len());
    let mut funding_dust: u64 = 0;
    for (i, chunk) in remaining.chunks(stride).enumerate() {
        let info = &chunk[0];
        crate::validate!(
            !loaded.iter().any(|m| m.key == *info.key) && Some(info.key) != primary,
            PerpError::DuplicateMarginAccount,
            "margin account {} ({}) passed twice",
            i,
            info.key
        );
        crate::validate!(
            expected.get(i) == Some(info.key) && chunk.len() == stride,
            PerpError::ForeignMarket,
            "margin account {} is {}, the trader's market there is {:?}",
            i,
            info.key,
            expected.get(i)
        );
        let mut market = LoadedMarket::load(info)?;
        if with_oracles {
            let dust = refresh_market(info.key, &mut market.view()?, &chunk[1], now, FundingCrank::WhenDue)?;
            funding_dust = funding_dust.safe_add(dust)?;
        }
        loaded.push(market);
    }
    if loaded.len() != expected.len() {
        crate::error::log_failure(format_args!("{} of the trader's {} markets passed", loaded.len(), expected.len()));
        return Err(crate::math::safe::fail(PerpError::MissingMarginAccounts).into());
    }
    Ok(MarginSet { markets: loaded, funding_dust })
}

/// Views of every loaded market, keyed by address.
pub fn views<'m>(markets: &'m mut [LoadedMarket<'_, '_>]) -> Result<Vec<(Pubkey, MarketView<'m>)>> {
    markets.iter_mut().map(|m| Ok((m.key, m.view()?))).collect()
}

pub fn emit_settlements(trader: &Pubkey, settled: &Settled) {
    if let Some(c) = settled.charge.as_deref() {
        emit_event!(SocializedLossCharged {
            trader: *trader,
            amount: c.amount,
            collateral_after: c.collateral_after,
            loss_index: c.loss_index,
        });
    }
    for r in &settled.seats {
        if let Some(applied) = &r.adl {
            emit_adl_applied(&r.market, trader, r.seat, applied);
        }
        emit_cancels(&r.market, &r.adl_cancels);
        if r.funding_paid != 0 {
            emit_event!(FundingSettled { market: r.market, trader: *trader, seat: r.seat, amount: r.funding_paid });
        }
        if r.settled != 0 {
            emit_event!(SeatSettled { market: r.market, trader: *trader, seat: r.seat, amount: r.settled });
        }
        if let Some(deposit) = r.released_deposit {
            emit_event!(SeatReleased { market: r.market, trader: *trader, seat: r.seat, deposit });
        }
    }
}

/// One event per market whose insurance position's results moved.
pub fn emit_insurance_sweep(sweep: &InsuranceSweep, ledger: &Ledger) {
    for r in &sweep.records {
        emit_event!(InsurancePositionSwept {
            market: r.market,
            to_fund: r.to_fund,
            fee_pool_paid: r.placement.fee_pool_paid,
            socialized: r.placement.socialized,
            unplaced: r.placement.unplaced,
            loss_index_after: ledger.loss_index,
            insurance_fund_after: ledger.insurance_fund,
        });
    }
}

pub fn emit_adl_applied(market: &Pubkey, trader: &Pubkey, seat: u32, applied: &AdlApplied) {
    emit_event!(AdlAppliedEvent::from_applied(*market, *trader, seat, applied));
}

pub fn emit_cancels(market: &Pubkey, cancels: &[CancelRecord]) {
    for c in cancels {
        emit_event!(OrderCancelled::from_record(*market, c));
    }
}
