//! What the keeper sees: every market and trader account of the program, found with
//! `getProgramAccounts` and filters, read again each cycle in batches with `getMultipleAccounts`,
//! and priced with the program's own margin engine at each market's freshest valid oracle price.
use std::collections::HashMap;

use anchor_lang::AccountDeserialize;
use perp::engine::account::{account_risk, AccountRisk};
use perp::engine::adl::pending_adl;
use perp::error::PerpError;
use perp::state::oracle::refresh_oracle_price;
use perp::state::{Exchange, MarketHeader, MarketView, Trader};
pub use perp_client::accounts::decode_traders;
use perp_client::chain::Chain;
use perp_client::pda;
use perp_client::views::MarketData;
use solana_sdk::account::Account;
use solana_sdk::pubkey::Pubkey;

use crate::OrPerp;

pub use perp_client::accounts::{market_filter, trader_filter};

/// The addresses the keeper tracks, found by `discover` and read again by `Snapshot::load`.
#[derive(Clone, Debug, Default)]
pub struct Tracked {
    pub markets: Vec<Pubkey>,
    pub traders: Vec<Pubkey>,
}

impl Tracked {
    /// Finds every market and trader account of the program.
    pub async fn discover(chain: &mut impl Chain) -> anyhow::Result<Self> {
        let mut markets: Vec<Pubkey> =
            chain.program_accounts(&market_filter()).await?.into_iter().map(|(k, _)| k).collect();
        let mut traders: Vec<Pubkey> =
            chain.program_accounts(&trader_filter()).await?.into_iter().map(|(k, _)| k).collect();
        markets.sort();
        traders.sort();
        Ok(Self { markets, traders })
    }
}

/// A trader account's health at the snapshot's prices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Health {
    /// At or above maintenance.
    Healthy,
    /// 0 <= equity < maintenance: `liquidate` applies.
    Liquidatable,
    /// Equity below zero: `resolve_bankruptcy` applies.
    Bankrupt,
}

/// One trader account priced.
#[derive(Clone, Debug)]
pub struct Priced {
    pub address: Pubkey,
    pub trader: Trader,
    pub risk: AccountRisk,
    pub health: Health,
}

impl Priced {
    /// Equity over maintenance in ppm (lower is worse; `u64::MAX` with no requirement).
    pub fn margin_ratio_ppm(&self) -> u64 {
        if self.risk.maintenance == 0 {
            return u64::MAX;
        }
        let equity = u128::try_from(self.risk.equity.max(0)).unwrap_or(0);
        let ratio = equity * u128::from(perp::math::PPM) / u128::from(self.risk.maintenance);
        u64::try_from(ratio).unwrap_or(u64::MAX)
    }
}

/// The program's accounts as of one read.
pub struct Snapshot {
    /// The chain's clock, unix seconds.
    pub now: i64,
    pub exchange: Exchange,
    pub markets: Vec<MarketData>,
    pub traders: Vec<(Pubkey, Trader)>,
}

/// How a health is decided from the program's figures.
pub fn health_of(risk: &AccountRisk) -> Result<Health, PerpError> {
    Ok(if risk.equity < 0 {
        Health::Bankrupt
    } else if risk.below_maintenance()? {
        Health::Liquidatable
    } else {
        Health::Healthy
    })
}

impl Snapshot {
    /// Reads the exchange, `tracked`'s markets with their oracles and its traders. Each market's
    /// cached price is brought to its oracle's newest valid price by the program's own
    /// `refresh_oracle_price`, as the next instruction touching it would; a stale or invalid
    /// oracle leaves the cached price.
    pub async fn load(chain: &mut impl Chain, tracked: &Tracked) -> anyhow::Result<Self> {
        let now = perp_migrations::bootstrap::unix_time(chain).await?;
        let exchange_account = chain
            .account(&pda::exchange())
            .await?
            .ok_or_else(|| anyhow::anyhow!("the exchange account does not exist"))?;
        let exchange = perp_client::accounts::exchange(&exchange_account.data)?;
        let market_accounts = chain.multiple_accounts(&tracked.markets).await?;
        let mut markets = Vec::with_capacity(tracked.markets.len());
        for (address, account) in tracked.markets.iter().zip(market_accounts) {
            let Some(account) = account else { continue };
            markets.push(MarketData { address: *address, data: account.data });
        }
        let mut oracle_keys = Vec::with_capacity(markets.len());
        for market in &mut markets {
            oracle_keys.push(market.header().map_err(|e| anyhow::anyhow!("market {}: {e}", market.address))?.oracle);
        }
        let oracles = chain.multiple_accounts(&oracle_keys).await?;
        for ((market, oracle_key), oracle) in markets.iter_mut().zip(&oracle_keys).zip(oracles) {
            if let Some(oracle) = oracle {
                let address = market.address;
                let view = market.view().map_err(|e| anyhow::anyhow!("market {address}: {e}"))?;
                if let Err(e) = refresh_price(view, oracle_key, oracle, now) {
                    tracing::debug!(market = %market.address, error = %e, "oracle not usable; keeping the cached price");
                }
            }
        }
        let trader_accounts = chain.multiple_accounts(&tracked.traders).await?;
        let mut traders = Vec::with_capacity(tracked.traders.len());
        for (address, account) in tracked.traders.iter().zip(trader_accounts) {
            let Some(account) = account else { continue };
            let trader = Trader::try_deserialize(&mut account.data.as_slice())
                .map_err(|e| anyhow::anyhow!("trader {address}: {e}"))?;
            traders.push((*address, trader));
        }
        Ok(Self { now, exchange, markets, traders })
    }

    /// The market at `address`.
    pub fn market(&mut self, address: &Pubkey) -> Option<&mut MarketData> {
        self.markets.iter_mut().find(|m| m.address == *address)
    }

    /// Each market's header by address.
    pub fn headers(&mut self) -> Result<HashMap<Pubkey, MarketHeader>, PerpError> {
        self.markets.iter_mut().map(|m| Ok((m.address, m.header()?))).collect()
    }

    /// Every trader account with at least one seat, priced with the program's margin engine,
    /// worst first (lowest equity over maintenance). Each as the program will see it on its next
    /// touch: its share of socialized losses charged (the snapshot itself keeps the accounts as
    /// they are, for the money rules).
    pub fn priced(&mut self) -> Result<Vec<Priced>, PerpError> {
        let traders = perp_client::views::charged(&self.exchange.ledger, &self.traders)?;
        price_accounts(&mut self.markets, &traders)
    }

    /// The accounts in `health`, worst first.
    pub fn in_health(&mut self, health: Health) -> Result<Vec<Priced>, PerpError> {
        Ok(self.priced()?.into_iter().filter(|p| p.health == health).collect())
    }

    /// Trader accounts holding a seat whose side has ADL events the seat has not applied yet.
    pub fn pending_adl(&mut self) -> Result<Vec<Pubkey>, PerpError> {
        let mut out = Vec::new();
        for market in &mut self.markets {
            let view = market.view()?;
            for seat in view.seats.iter() {
                if seat.trader != Pubkey::default()
                    && pending_adl(view.header, seat)?.is_some()
                    && !out.contains(&seat.trader)
                {
                    out.push(seat.trader);
                }
            }
        }
        Ok(out)
    }

    /// `trader`'s markets in its slot order, each with its oracle, leaving out `except`.
    pub fn margin_set(&mut self, trader: &Trader, except: Option<&Pubkey>) -> anyhow::Result<Vec<(Pubkey, Pubkey)>> {
        let mut out = Vec::new();
        for slot in trader.active_markets() {
            if Some(&slot.market) == except {
                continue;
            }
            let market =
                self.market(&slot.market).ok_or_else(|| anyhow::anyhow!("market {} is not tracked", slot.market))?;
            out.push((slot.market, market.header().or_perp()?.oracle));
        }
        Ok(out)
    }
}

/// Every trader account in `traders` with at least one seat, priced over `markets` with the
/// program's margin engine, worst first (lowest equity over maintenance).
pub fn price_accounts(markets: &mut [MarketData], traders: &[(Pubkey, Trader)]) -> Result<Vec<Priced>, PerpError> {
    let views: Vec<(Pubkey, MarketView)> =
        markets.iter_mut().map(|m| Ok((m.address, m.view()?))).collect::<Result<_, PerpError>>()?;
    let mut out = Vec::new();
    for (address, trader) in traders {
        if trader.active_markets().next().is_none() {
            continue;
        }
        let risk = account_risk(trader, &views)?;
        out.push(Priced { address: *address, trader: trader.clone(), risk, health: health_of(&risk)? });
    }
    out.sort_by_key(|p| (p.margin_ratio_ppm(), p.address));
    Ok(out)
}

/// The program's oracle refresh on a copy of the market's header.
fn refresh_price(view: MarketView, oracle_key: &Pubkey, mut oracle: Account, now: i64) -> Result<u64, PerpError> {
    let mut lamports = oracle.lamports;
    let info = anchor_lang::prelude::AccountInfo::new(
        oracle_key,
        false,
        false,
        &mut lamports,
        &mut oracle.data,
        &oracle.owner,
        oracle.executable,
    );
    refresh_oracle_price(view.header, &info, now)
}

/// The money rules over every account of the program on `chain`, against the vaults' real token
/// balances (`perp_client::money`).
pub async fn check_money_rules(chain: &mut impl Chain) -> anyhow::Result<perp_client::money::Verdict> {
    let mut books = perp_client::money::read_books(chain)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the exchange account does not exist"))?;
    perp_client::money::check(&mut books).or_perp()
}
