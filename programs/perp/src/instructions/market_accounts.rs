//! Loading a trader's markets (its margin set) from an instruction's accounts, and emitting the
//! events of what the engine did to them.
use core::cell::RefMut;

use anchor_lang::prelude::*;
use anchor_lang::Discriminator;

use crate::engine::account::SettleRecord;
use crate::engine::orders::CancelRecord;
use crate::error::PerpError;
use crate::events::{OraclePriceCached, OrderCancelled, SeatReleased, SeatSettled};
use crate::state::oracle::refresh_oracle_price;
use crate::state::{MarketHeader, MarketView, Trader};

/// A market account whose data the instruction holds borrowed.
pub struct LoadedMarket<'a, 'info> {
    pub key: Pubkey,
    data: RefMut<'a, &'info mut [u8]>,
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

/// The trader's markets as passed in `remaining` (after any primary market, which the caller
/// loads itself): every market of the trader except `primary`, in the trader's slot order, each
/// followed by its oracle when `with_oracles`. Oracles are read, validated and cached at `now`.
/// A market missing, passed twice, or not the trader's is rejected with a specific error.
pub fn load_margin_set<'a, 'info>(
    trader: &Trader,
    primary: Option<&Pubkey>,
    remaining: &'a [AccountInfo<'info>],
    with_oracles: bool,
    now: i64,
) -> Result<Vec<LoadedMarket<'a, 'info>>> {
    let expected: Vec<Pubkey> = trader.active_markets().map(|m| m.market).filter(|m| Some(m) != primary).collect();
    let stride = if with_oracles { 2 } else { 1 };
    let mut loaded: Vec<LoadedMarket<'a, 'info>> = Vec::with_capacity(expected.len());
    for (i, chunk) in remaining.chunks(stride).enumerate() {
        let info = &chunk[0];
        if loaded.iter().any(|m| m.key == *info.key) || Some(info.key) == primary {
            return Err(PerpError::DuplicateMarginAccount.into());
        }
        if expected.get(i) != Some(info.key) || chunk.len() != stride {
            return Err(PerpError::ForeignMarket.into());
        }
        let mut market = LoadedMarket::load(info)?;
        if with_oracles {
            let view = market.view()?;
            let price = refresh_oracle_price(view.header, &chunk[1], now)?;
            emit_event!(OraclePriceCached { market: *info.key, price, publish_time: view.header.oracle_publish_time });
        }
        loaded.push(market);
    }
    if loaded.len() != expected.len() {
        return Err(PerpError::MissingMarginAccounts.into());
    }
    Ok(loaded)
}

/// Views of every loaded market, keyed by address.
pub fn views<'m>(markets: &'m mut [LoadedMarket<'_, '_>]) -> Result<Vec<(Pubkey, MarketView<'m>)>> {
    markets.iter_mut().map(|m| Ok((m.key, m.view()?))).collect()
}

pub fn emit_settlements(trader: &Pubkey, records: &[SettleRecord]) {
    for r in records {
        if r.settled != 0 {
            emit_event!(SeatSettled { market: r.market, trader: *trader, seat: r.seat, amount: r.settled });
        }
        if let Some(deposit) = r.released_deposit {
            emit_event!(SeatReleased { market: r.market, trader: *trader, seat: r.seat, deposit });
        }
    }
}

pub fn emit_cancels(market: &Pubkey, cancels: &[CancelRecord]) {
    for c in cancels {
        emit_event!(OrderCancelled {
            market: *market,
            trader: c.trader,
            order_seq: c.order_seq,
            client_order_id: c.client_order_id,
            side: c.side,
            price: c.price,
            base_lots: c.base_lots,
            reason: c.reason,
        });
    }
}
