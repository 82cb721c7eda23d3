//! The keeper's cranks, each a small module run on its own interval (`perp-keeper run`) or once
//! per scenario `crank` step. Each reads a fresh `Snapshot`, so what one crank changed the next
//! sees; each is idempotent (nothing left to do sends nothing) and counts a race's loser as done.
pub mod adl;
pub mod bankruptcy;
pub mod funding;
pub mod liquidation;
pub mod oracle;

use std::time::Instant;

use perp_client::chain::Chain;

use crate::keeper::{CrankRun, Keeper};
use crate::metrics::Gauges;
use crate::scan::{Health, Snapshot, Tracked};

/// The cranks, in the order one keeper cycle runs them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Crank {
    Oracle,
    Funding,
    Liquidation,
    Bankruptcy,
    Adl,
}

impl Crank {
    /// Bankruptcy before liquidation: an account whose deficit the insurance fund covers is left
    /// at zero equity with its positions, and the liquidation crank takes them in the same cycle.
    pub const ALL: [Crank; 5] = [Crank::Oracle, Crank::Funding, Crank::Bankruptcy, Crank::Liquidation, Crank::Adl];

    pub fn name(self) -> &'static str {
        match self {
            Crank::Oracle => "oracle",
            Crank::Funding => "funding",
            Crank::Liquidation => "liquidation",
            Crank::Bankruptcy => "bankruptcy",
            Crank::Adl => "adl",
        }
    }

    /// The scenario's names (`crank` steps' `what`).
    pub fn parse(name: &str) -> Option<Vec<Crank>> {
        Some(match name {
            "all" => Crank::ALL.to_vec(),
            "oracle" => vec![Crank::Oracle],
            "funding" => vec![Crank::Funding],
            "liquidations" | "liquidation" => vec![Crank::Liquidation],
            "bankruptcy" => vec![Crank::Bankruptcy],
            "adl" => vec![Crank::Adl],
            _ => return None,
        })
    }
}

/// Runs `crank` once over the accounts in `tracked`, records it in the keeper's metrics.
pub async fn run(keeper: &Keeper, chain: &mut impl Chain, tracked: &Tracked, crank: Crank) -> anyhow::Result<CrankRun> {
    let started = Instant::now();
    let mut snapshot = Snapshot::load(chain, tracked).await?;
    let run = match crank {
        Crank::Oracle => oracle::run(keeper, chain, &mut snapshot).await?,
        Crank::Funding => funding::run(keeper, chain, &mut snapshot).await?,
        Crank::Liquidation => liquidation::run(keeper, chain, tracked, &mut snapshot).await?,
        Crank::Bankruptcy => bankruptcy::run(keeper, chain, tracked, &mut snapshot).await?,
        Crank::Adl => adl::run(keeper, chain, &mut snapshot).await?,
    };
    keeper.metrics.record(crank.name(), run.stats, started.elapsed());
    Ok(run)
}

/// Runs `cranks` in order, then refreshes the gauges.
pub async fn cycle(
    keeper: &Keeper,
    chain: &mut impl Chain,
    tracked: &Tracked,
    cranks: &[Crank],
) -> anyhow::Result<CrankRun> {
    let mut all = CrankRun::default();
    for crank in cranks {
        all.merge(run(keeper, chain, tracked, *crank).await?);
    }
    update_gauges(keeper, chain, tracked).await?;
    Ok(all)
}

/// Accounts tracked, below maintenance and bankrupt, and the insurance fund, into the metrics.
pub async fn update_gauges(keeper: &Keeper, chain: &mut impl Chain, tracked: &Tracked) -> anyhow::Result<Gauges> {
    let mut snapshot = Snapshot::load(chain, tracked).await?;
    let priced = snapshot.priced().map_err(|e| anyhow::anyhow!("pricing accounts: {e}"))?;
    let count = |h: Health| priced.iter().filter(|p| p.health == h).count() as u64;
    let gauges = Gauges {
        accounts_tracked: snapshot.traders.len() as u64,
        below_maintenance: count(Health::Liquidatable) + count(Health::Bankrupt),
        bankrupt: count(Health::Bankrupt),
        insurance_fund: snapshot.exchange.ledger.insurance_fund,
    };
    keeper.metrics.set_gauges(gauges.clone());
    Ok(gauges)
}
