//! Liquidation: every account with 0 <= equity < maintenance, worst first (lowest equity over
//! maintenance). In each of its markets, orders first (a market where it holds only orders is just
//! cancelled), then positions, largest notional first, until the program says it is no longer
//! liquidatable. One account is handled at a time, never two liquidations of it at once. Then the
//! keeper unwinds what it took over through the book: a reduce-only IOC whose limit is the oracle
//! moved against it by `unwind_limit_ppm`.
use crate::OrPerp;
use perp::engine::adl::effective_seat;
use perp::error::PerpError;
use perp::math::fixed::{mul_div_u64, Rounding, PPM};
use perp::state::{liquidation_markets, Trader};
use perp::{OrderParams, OrderSide, OrderType};
use perp_client::chain::Chain;
use perp_client::instructions;
use solana_sdk::signature::Signer;

use crate::keeper::{CrankRun, Keeper, Sent};
use crate::scan::{Health, Snapshot, Tracked};

async fn fetch_trader(chain: &mut impl Chain, address: &solana_sdk::pubkey::Pubkey) -> anyhow::Result<Option<Trader>> {
    Ok(match chain.account(address).await? {
        Some(account) => Some(perp_client::accounts::trader(&account.data)?),
        None => None,
    })
}

pub async fn run(
    keeper: &Keeper,
    chain: &mut impl Chain,
    tracked: &Tracked,
    snapshot: &mut Snapshot,
) -> anyhow::Result<CrankRun> {
    let mut run = CrankRun::default();
    let liquidatable = snapshot.in_health(Health::Liquidatable).or_perp()?;
    let me = keeper.trader();
    for account in liquidatable {
        if account.address == me {
            tracing::warn!("the keeper's own account is below maintenance: it cannot liquidate itself");
            continue;
        }
        // Markets with only orders first, then positions by notional, largest first.
        let mut order: Vec<(u64, solana_sdk::pubkey::Pubkey)> = Vec::new();
        for slot in account.trader.active_markets() {
            let Some(market) = snapshot.market(&slot.market) else { continue };
            let view = market.view().or_perp()?;
            let (seat, _) = effective_seat(view.header, view.seat(slot.seat).or_perp()?).or_perp()?;
            let notional = seat.base_lots.unsigned_abs().saturating_mul(view.header.lot_size);
            order.push((if seat.base_lots == 0 { u64::MAX } else { notional }, slot.market));
        }
        order.sort_by(|a, b| b.cmp(a));
        'markets: for (_, market) in order {
            let Some(liquidated) = fetch_trader(chain, &account.address).await? else { break };
            if liquidated.seat_in(&market).is_none() {
                continue;
            }
            let Some(liquidator) = fetch_trader(chain, &me).await? else {
                anyhow::bail!("the keeper's trader account {me} does not exist: open and fund it first");
            };
            let mut set = Vec::new();
            for m in liquidation_markets(&liquidated, &liquidator, &market) {
                let oracle = snapshot
                    .market(&m)
                    .ok_or_else(|| anyhow::anyhow!("market {m} is not tracked"))?
                    .header()
                    .or_perp()?
                    .oracle;
                set.push((m, oracle));
            }
            let oracle = snapshot
                .market(&market)
                .ok_or_else(|| anyhow::anyhow!("market {market} is not tracked"))?
                .header()
                .or_perp()?
                .oracle;
            let ix = instructions::liquidate(
                &keeper.owner.pubkey(),
                keeper.sub_account,
                &account.address,
                &market,
                &oracle,
                &set,
            );
            let sent = keeper.send(chain, "liquidation", &[ix], &[&keeper.owner], &[PerpError::NotLiquidatable]).await;
            let stop = match &sent {
                Sent::Landed(_) => {
                    tracing::info!(trader = %account.address, %market, "liquidated");
                    false
                }
                Sent::Rejected(PerpError::NoPositionToLiquidate) => false,
                // Restored, bankrupt (the bankruptcy crank's), or the keeper lacks margin.
                _ => true,
            };
            run.count(&sent);
            if stop {
                break 'markets;
            }
        }
    }
    run.merge(unwind(keeper, chain, tracked).await?);
    Ok(run)
}

/// Closes the keeper's positions through the book: reduce-only IOC at the oracle moved against
/// the keeper by `unwind_limit_ppm` (on the tick, rounded to the keeper's side of the limit).
pub async fn unwind(keeper: &Keeper, chain: &mut impl Chain, tracked: &Tracked) -> anyhow::Result<CrankRun> {
    let mut run = CrankRun::default();
    let me = keeper.trader();
    let Some(trader) = fetch_trader(chain, &me).await? else { return Ok(run) };
    let mut snapshot = Snapshot::load(chain, tracked).await?;
    for slot in trader.active_markets() {
        let Some(market) = snapshot.market(&slot.market) else { continue };
        let view = market.view().or_perp()?;
        let h = *view.header;
        let (seat, _) = effective_seat(&h, view.seat(slot.seat).or_perp()?).or_perp()?;
        if seat.base_lots == 0 {
            continue;
        }
        let lots = seat.base_lots.unsigned_abs();
        let notional =
            perp::math::position::lots_value(seat.base_lots.abs(), h.lot_size, h.oracle_price, Rounding::Down)
                .or_perp()?
                .unsigned_abs();
        if notional < h.min_order_notional {
            tracing::debug!(market = %slot.market, lots, "position below the minimum order notional: left");
            continue;
        }
        let sell = seat.base_lots > 0;
        let limit = if sell {
            let p = mul_div_u64(h.oracle_price, PPM - u64::from(keeper.settings.unwind_limit_ppm), PPM, Rounding::Up)
                .or_perp()?;
            p.div_ceil(h.tick_size) * h.tick_size
        } else {
            let p = mul_div_u64(h.oracle_price, PPM + u64::from(keeper.settings.unwind_limit_ppm), PPM, Rounding::Down)
                .or_perp()?;
            p / h.tick_size * h.tick_size
        };
        let params = OrderParams {
            side: if sell { OrderSide::Sell } else { OrderSide::Buy },
            order_type: OrderType::ImmediateOrCancel,
            price: limit,
            base_lots: lots,
            reduce_only: true,
            client_order_id: 0,
        };
        let set = snapshot.margin_set(&trader, Some(&slot.market))?;
        let ix = instructions::place_order(
            &keeper.owner.pubkey(),
            keeper.sub_account,
            &slot.market,
            &h.oracle,
            params,
            &set,
        );
        let sent = keeper.send(chain, "liquidation", &[ix], &[&keeper.owner], &[]).await;
        if let Sent::Landed(_) = sent {
            tracing::info!(market = %slot.market, lots, limit = %crate::units::price(limit), "unwinding the keeper's position");
        }
        run.count(&sent);
    }
    Ok(run)
}
