//! ADL: seats apply pending ADL lazily on their next touch; this crank touches every seat that
//! has some (`settle_funding` of its trader account), so positions, events and reduce-only
//! orders show it at once and `resolve_bankruptcy` never meets an ADL backlog.
use crate::OrPerp;
use perp_client::chain::Chain;
use perp_client::instructions;

use crate::keeper::{CrankRun, Keeper};
use crate::scan::Snapshot;

pub async fn run(keeper: &Keeper, chain: &mut impl Chain, snapshot: &mut Snapshot) -> anyhow::Result<CrankRun> {
    let mut run = CrankRun::default();
    let pending = snapshot.pending_adl().or_perp()?;
    for trader_key in pending {
        let Some((_, trader)) = snapshot.traders.iter().find(|(k, _)| *k == trader_key) else { continue };
        let markets: Vec<_> = trader.active_markets().map(|m| m.market).collect();
        let ix = instructions::settle_funding(&trader_key, &markets);
        let sent = keeper.send(chain, "adl", &[ix], &[], &[]).await;
        run.count(&sent);
    }
    Ok(run)
}
