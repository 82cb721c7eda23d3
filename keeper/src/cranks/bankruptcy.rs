//! Bankruptcy and ADL: `resolve_bankruptcy` for every account below zero equity (the insurance
//! fund first, then pro-rata ADL of the opposite sides). An ADL backlog (seats that have not
//! applied an older event) is settled by the ADL crank, then the resolution is tried again.
use crate::OrPerp;
use perp::error::PerpError;
use perp_client::chain::Chain;
use perp_client::instructions;

use crate::keeper::{CrankRun, Keeper, Sent};
use crate::scan::{Health, Snapshot, Tracked};

pub async fn run(
    keeper: &Keeper,
    chain: &mut impl Chain,
    tracked: &Tracked,
    snapshot: &mut Snapshot,
) -> anyhow::Result<CrankRun> {
    let mut run = CrankRun::default();
    let bankrupt = snapshot.in_health(Health::Bankrupt).or_perp()?;
    for account in bankrupt {
        for attempt in 0..2 {
            let set = snapshot.margin_set(&account.trader, None)?;
            let ix = instructions::resolve_bankruptcy(&account.address, &set);
            let sent = keeper.send(chain, "bankruptcy", &[ix], &[], &[PerpError::NotBankrupt]).await;
            let backlog = matches!(sent, Sent::Rejected(PerpError::AdlBacklog));
            if let Sent::Landed(_) = &sent {
                tracing::info!(trader = %account.address, deficit = %crate::units::quote(-account.risk.equity), "bankruptcy resolved");
            }
            if !backlog || attempt == 1 {
                run.count(&sent);
                break;
            }
            // Seats must apply the older ADL events first.
            let mut fresh = Snapshot::load(chain, tracked).await?;
            run.merge(super::adl::run(keeper, chain, &mut fresh).await?);
        }
    }
    Ok(run)
}
