//! Bankruptcy and ADL: `resolve_bankruptcy` for every account below zero equity (the insurance
//! fund first, then pro-rata ADL of the opposite sides). An ADL backlog (seats that have not
//! applied an older event) is settled by the ADL crank, then the resolution is tried again; so is
//! one whose margin set changed since the snapshot (read again first).
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
        let mut trader = account.trader.clone();
        for attempt in 0..2 {
            let set = snapshot.margin_set(&trader, None)?;
            let ix = instructions::resolve_bankruptcy(&account.address, &set);
            let sent = keeper.send(chain, "bankruptcy", &[ix], &[], &[PerpError::NotBankrupt]).await;
            let backlog = matches!(sent, Sent::Rejected(PerpError::AdlBacklog));
            // The account's markets changed since the snapshot (another keeper resolved it and
            // its seats were released): read it again; the retry then says what is left to do.
            let stale = matches!(sent, Sent::Rejected(PerpError::ForeignMarket | PerpError::MissingMarginAccounts));
            if let Sent::Landed(_) = &sent {
                tracing::info!(trader = %account.address, deficit = %crate::units::quote(-account.risk.equity), "bankruptcy resolved");
            }
            if !(backlog || stale) || attempt == 1 {
                run.count(&sent);
                break;
            }
            if stale {
                *snapshot = Snapshot::load(chain, tracked).await?;
                if let Some((_, fresh)) = snapshot.traders.iter().find(|(a, _)| *a == account.address) {
                    trader = fresh.clone();
                }
                continue;
            }
            // Seats must apply the older ADL events first.
            let mut fresh = Snapshot::load(chain, tracked).await?;
            run.merge(super::adl::run(keeper, chain, &mut fresh).await?);
        }
    }
    Ok(run)
}
