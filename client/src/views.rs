//! Read-side views computed with the program's own engine and math, so what a user sees off
//! chain is what the program enforces on chain.
use perp::engine::account::{account_risk, AccountRisk};
use perp::error::PerpError;
use perp::state::{MarketHeader, MarketView, Seat, Trader};
use solana_sdk::pubkey::Pubkey;

/// A market account's data, owned (copied off the chain).
#[derive(Clone, Debug)]
pub struct MarketData {
    pub address: Pubkey,
    pub data: Vec<u8>,
}

impl MarketData {
    pub fn view(&mut self) -> Result<MarketView<'_>, PerpError> {
        MarketView::from_account_data(&mut self.data)
    }

    pub fn header(&mut self) -> Result<MarketHeader, PerpError> {
        Ok(*self.view()?.header)
    }

    /// The seat `trader` (a trader account address) holds, if any.
    pub fn seat_of(&mut self, trader: &Pubkey) -> Result<Option<(u32, Seat)>, PerpError> {
        let view = self.view()?;
        Ok(view.seats.iter().enumerate().find(|(_, s)| s.trader == *trader).map(|(i, s)| (i as u32, *s)))
    }
}

/// The account's margin figures (equity, maintenance, initial, withdrawable) at each market's
/// cached oracle price, exactly as the program computes them. `markets` must hold every market
/// the trader is active in.
pub fn account(trader: &Trader, markets: &mut [MarketData]) -> Result<AccountRisk, PerpError> {
    let mut views = Vec::with_capacity(markets.len());
    for m in markets.iter_mut() {
        let address = m.address;
        views.push((address, m.view()?));
    }
    account_risk(trader, &views)
}
