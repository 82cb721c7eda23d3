//! `perp-keeper run`: the keeper against any cluster over JSON-RPC. Each crank is its own task on
//! its own interval with its own RPC client, so a stuck request stops only that crank; the
//! account discovery (`getProgramAccounts`) refreshes the tracked set on its own interval. Ctrl-C
//! lets every task finish its current run, then the keeper exits.
use std::cell::RefCell;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Duration;

use perp_client::rpc::RpcChain;
use serde::Deserialize;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signer;

use crate::cranks::{self, Crank};
use crate::keeper::{Keeper, Settings};
use crate::metrics::Metrics;
use crate::prices::{FixedPrices, PricePath, PriceSource};
use crate::scan::Tracked;
pub use perp_client::solana_cli::{cluster_url, expand_home, read_keypair, solana_cli_defaults};

/// `keeper.toml`. Every key is optional; a command-line flag overrides the file.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct KeeperConfig {
    /// JSON-RPC URL or a Solana CLI moniker (`localhost`, `devnet`, `testnet`, `mainnet-beta`).
    pub url: Option<String>,
    /// The keeper's keypair file (Solana CLI form: a JSON array of 64 bytes); it pays fees and
    /// owns the liquidator trader account.
    pub keypair: Option<PathBuf>,
    /// The liquidator trader account's sub-account id (default 0).
    pub sub_account: Option<u16>,
    /// Keypair of the push oracles' authority, for keeper-pushed markets.
    pub oracle_authority: Option<PathBuf>,
    /// Price path file for the push oracles (`seconds symbol price` lines from the start).
    pub price_path: Option<PathBuf>,
    /// Unix time the price path starts at (default: when the keeper starts).
    pub price_path_start: Option<i64>,
    /// The market accounts to crank (default: every market of the program).
    pub markets: Option<Vec<String>>,
    pub compute_unit_limit: Option<u32>,
    /// Micro-lamports per compute unit.
    pub priority_fee: Option<u64>,
    /// Unwinding takeovers: how far from the oracle the IOC's limit may be (ppm).
    pub unwind_limit_ppm: Option<u32>,
    /// Prometheus text endpoint, e.g. "127.0.0.1:9464".
    pub metrics_addr: Option<SocketAddr>,
    #[serde(default)]
    pub intervals: Intervals,
}

/// Seconds between runs of each crank, and of the account discovery.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct Intervals {
    pub oracle: u64,
    pub funding: u64,
    pub liquidation: u64,
    pub bankruptcy: u64,
    pub adl: u64,
    pub discovery: u64,
    /// How often the funding crank samples a market's premium within an interval.
    pub funding_sample: u64,
}

impl Default for Intervals {
    fn default() -> Self {
        Self { oracle: 5, funding: 10, liquidation: 2, bankruptcy: 2, adl: 10, discovery: 30, funding_sample: 60 }
    }
}

impl Intervals {
    pub fn of(&self, crank: Crank) -> u64 {
        match crank {
            Crank::Oracle => self.oracle,
            Crank::Funding => self.funding,
            Crank::Liquidation => self.liquidation,
            Crank::Bankruptcy => self.bankruptcy,
            Crank::Adl => self.adl,
        }
    }
}

impl KeeperConfig {
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {}", path.display(), e.to_string().trim_end()))
    }
}

/// What `run` needs, resolved from the file, the flags and the Solana CLI's defaults.
pub struct Resolved {
    pub url: String,
    pub keeper: Keeper,
    pub intervals: Intervals,
    pub metrics_addr: Option<SocketAddr>,
    /// Only these markets (and the traders in them) are cranked; `None`: all of them.
    pub markets: Option<Vec<Pubkey>>,
}

impl KeeperConfig {
    /// Resolves URL, keypairs and price source; `now` starts a price path without a start.
    pub fn resolve(self, home: Option<&Path>, now: i64) -> anyhow::Result<Resolved> {
        let (cli_url, cli_keypair) = home.map(solana_cli_defaults).unwrap_or((None, None));
        let url = cluster_url(self.url.as_deref().or(cli_url.as_deref()).unwrap_or("localhost"));
        let keypair_path = self
            .keypair
            .or(cli_keypair)
            .ok_or_else(|| anyhow::anyhow!("no keypair: give --keypair or `keypair` in the config"))?;
        let owner = read_keypair(&expand_home(&keypair_path, home))?;
        let oracle_authority =
            self.oracle_authority.as_deref().map(|p| read_keypair(&expand_home(p, home))).transpose()?;
        let prices: Box<dyn PriceSource> = match &self.price_path {
            Some(path) => Box::new(PricePath::load(path, self.price_path_start.unwrap_or(now))?),
            None => Box::new(FixedPrices::default()),
        };
        let settings = Settings {
            compute_unit_limit: self.compute_unit_limit,
            priority_fee: self.priority_fee.unwrap_or(0),
            unwind_limit_ppm: self.unwind_limit_ppm.unwrap_or(Settings::default().unwind_limit_ppm),
            funding_sample_secs: i64::try_from(self.intervals.funding_sample).unwrap_or(i64::MAX),
            ..Settings::default()
        };
        let keeper = Keeper {
            owner,
            sub_account: self.sub_account.unwrap_or(0),
            oracle_authority,
            prices: std::sync::Mutex::new(prices),
            settings,
            metrics: Metrics::new(),
            lookup_tables: Default::default(),
        };
        let markets = self
            .markets
            .map(|list| {
                list.iter()
                    .map(|m| m.parse::<Pubkey>().map_err(|_| anyhow::anyhow!("markets: {m:?} is not a market address")))
                    .collect::<anyhow::Result<Vec<_>>>()
            })
            .transpose()?;
        Ok(Resolved { url, keeper, intervals: self.intervals, metrics_addr: self.metrics_addr, markets })
    }
}

/// Runs the keeper until `shutdown` resolves, or for `cycles` runs of each crank when given.
/// Each crank and the discovery run as tasks on this thread (`LocalSet`).
pub async fn run(
    resolved: Resolved,
    cycles: Option<u64>,
    shutdown: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    let Resolved { url, keeper, intervals, metrics_addr, markets } = resolved;
    let payer = keeper.owner.insecure_clone();
    let chain = || RpcChain::new(url.clone(), payer.insecure_clone());
    tracing::info!(%url, keeper = %keeper.owner.pubkey(), trader = %keeper.trader(), "keeper starting");
    let only = move |mut found: Tracked| {
        if let Some(list) = &markets {
            found.markets.retain(|m| list.contains(m));
        }
        found
    };
    let tracked = Rc::new(RefCell::new(only(Tracked::discover(&mut chain()).await?)));
    tracing::info!(
        markets = tracked.borrow().markets.len(),
        traders = tracked.borrow().traders.len(),
        "accounts discovered"
    );
    let keeper = Rc::new(keeper);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let local = tokio::task::LocalSet::new();
    if let Some(addr) = metrics_addr {
        let listener =
            tokio::net::TcpListener::bind(addr).await.map_err(|e| anyhow::anyhow!("metrics on {addr}: {e}"))?;
        tracing::info!(%addr, "serving Prometheus metrics");
        local.spawn_local(crate::metrics::serve(listener, keeper.metrics.clone()));
    }
    let mut handles = Vec::new();
    for crank in Crank::ALL {
        let (keeper, tracked, mut stop, mut chain) = (keeper.clone(), tracked.clone(), stop_rx.clone(), chain());
        let every = Duration::from_secs(intervals.of(crank).max(1));
        handles.push(local.spawn_local(async move {
            let mut ticker = tokio::time::interval(every);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut runs = 0u64;
            loop {
                tokio::select! {
                    _ = ticker.tick() => {}
                    _ = stop.changed() => break,
                }
                let current = tracked.borrow().clone();
                match cranks::run(&keeper, &mut chain, &current, crank).await {
                    Ok(run) if run.stats.landed + run.stats.errors > 0 => tracing::info!(
                        crank = crank.name(),
                        landed = run.stats.landed,
                        already_done = run.stats.already_done,
                        errors = run.stats.errors,
                        "crank ran"
                    ),
                    Ok(_) => tracing::debug!(crank = crank.name(), "nothing to do"),
                    Err(e) => {
                        keeper.metrics.record(
                            crank.name(),
                            crate::metrics::CrankStats { errors: 1, ..Default::default() },
                            Duration::ZERO,
                        );
                        tracing::warn!(crank = crank.name(), error = %e, "crank failed; next run retries");
                    }
                }
                runs += 1;
                if cycles.is_some_and(|c| runs >= c) {
                    break;
                }
            }
        }));
    }
    {
        let (keeper, tracked, mut stop, mut chain) = (keeper.clone(), tracked.clone(), stop_rx.clone(), chain());
        let every = Duration::from_secs(intervals.discovery.max(1));
        local.spawn_local(async move {
            let mut ticker = tokio::time::interval(every);
            loop {
                tokio::select! {
                    _ = ticker.tick() => {}
                    _ = stop.changed() => break,
                }
                match Tracked::discover(&mut chain).await {
                    Ok(found) => *tracked.borrow_mut() = only(found),
                    Err(e) => tracing::warn!(error = %e, "discovery failed; keeping the accounts known"),
                }
                let current = tracked.borrow().clone();
                if let Err(e) = cranks::update_gauges(&keeper, &mut chain, &current).await {
                    tracing::warn!(error = %e, "gauges not updated");
                }
            }
        });
    }
    local
        .run_until(async move {
            let all = futures_join(handles);
            tokio::select! {
                _ = shutdown => tracing::info!("shutting down: letting each crank finish its run"),
                _ = all => tracing::info!("every crank ran its cycles"),
            }
            let _ = stop_tx.send(true);
        })
        .await;
    // Let the tasks see the stop and finish the run they are in.
    local.await;
    let m = &keeper.metrics;
    for crank in Crank::ALL {
        let s = m.crank(crank.name());
        tracing::info!(
            crank = crank.name(),
            runs = s.runs,
            landed = s.landed,
            already_done = s.already_done,
            errors = s.errors,
            "total"
        );
    }
    Ok(())
}

/// Waits for every handle.
async fn futures_join(handles: Vec<tokio::task::JoinHandle<()>>) {
    for handle in handles {
        let _ = handle.await;
    }
}

#[cfg(test)]
mod tests;
