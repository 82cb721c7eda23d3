//! Funding: `update_funding` on each market whose interval is due, or whose last premium sample
//! is at least `funding_sample_secs` old (so the time-weighted premium is sampled through the
//! interval). Two keepers at once: the second call samples zero seconds, so nothing is counted
//! twice. Then the markets' announced parameter changes whose delay has passed are applied
//! (`apply_market_update` is permissionless; after the funding update, so no interval is due).
use crate::OrPerp;
use anchor_lang::AccountDeserialize;
use perp::state::MarketUpdate;
use perp_client::chain::Chain;
use perp_client::{instructions, pda};

use crate::keeper::{CrankRun, Keeper};
use crate::scan::Snapshot;

pub async fn run(keeper: &Keeper, chain: &mut impl Chain, snapshot: &mut Snapshot) -> anyhow::Result<CrankRun> {
    let mut run = CrankRun::default();
    let now = snapshot.now;
    for market in &mut snapshot.markets {
        let h = market.header().or_perp()?;
        let due = now >= h.funding_interval_start + i64::from(h.funding_interval_secs);
        let sample = now - h.funding_last_sample_time >= keeper.settings.funding_sample_secs.max(1);
        if !due && !sample {
            continue;
        }
        let ix = instructions::update_funding(&market.address, &h.oracle);
        let sent = keeper.send(chain, "funding", &[ix], &[], &[]).await;
        run.count(&sent);
    }
    let updates: Vec<_> = snapshot.markets.iter().map(|m| pda::market_update(&m.address)).collect();
    for account in chain.multiple_accounts(&updates).await?.into_iter().flatten() {
        let Ok(update) = MarketUpdate::try_deserialize(&mut account.data.as_slice()) else { continue };
        if update.effective_at > now {
            continue;
        }
        let ix = instructions::apply_market_update(&update.admin, &update.market);
        let sent = keeper.send(chain, "funding", &[ix], &[], &[]).await;
        if let crate::keeper::Sent::Landed(_) = sent {
            tracing::info!(market = %update.market, announced_at = update.announced_at, "announced market update applied");
        }
        run.count(&sent);
    }
    Ok(run)
}
