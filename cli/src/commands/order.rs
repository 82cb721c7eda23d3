//! `perp order` and `perp cancel`. Sizes and prices are checked against the market's lot size
//! and tick before anything is sent.
use perp::events::{OrderCancelled, OrderFilled, OrderPlaced};
use perp::math::{PPM, PRICE_PRECISION};
use perp::{OrderParams, OrderSide, OrderType};
use perp_client::chain::Chain;
use perp_client::units::{self, decimal, price, quote_u};
use perp_client::{events, instructions};
use rust_decimal::Decimal;
use serde_json::json;

use crate::output::{num, Output};
use crate::session::{self, Market, Session};
use crate::{OrderKind, Side};

/// What `perp order` was asked for.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    pub market: &'a str,
    pub side: Side,
    pub size: Decimal,
    pub price: Option<Decimal>,
    pub kind: OrderKind,
    pub reduce_only: bool,
    pub client_id: u64,
    pub slippage: Decimal,
}

/// The order's limit (or worst) price at 1e6, on the market's tick.
fn limit_price(market: &Market, request: &Request) -> anyhow::Result<u64> {
    let tick = market.header.tick_size;
    let tick_text = num(price(tick));
    let units = match (request.price, request.kind) {
        (Some(p), _) => {
            let units = units::price_units(p, "--price")?;
            anyhow::ensure!(units > 0, "--price must be more than 0");
            anyhow::ensure!(units % tick == 0, "--price {p} is not on {}'s tick {tick_text}", market.symbol);
            units
        }
        (None, OrderKind::Market) => {
            let slippage = units::ppm_units(request.slippage, "--slippage")?;
            anyhow::ensure!(u64::from(slippage) < PPM, "--slippage {} must be below 1", request.slippage);
            let oracle = market.header.oracle_price;
            // The worst price, rounded to the tick toward the oracle (a tighter bound, never a looser one).
            match request.side {
                Side::Buy => {
                    let worst = u128::from(oracle) * u128::from(PPM + u64::from(slippage)) / u128::from(PPM);
                    u64::try_from(worst / u128::from(tick) * u128::from(tick))?
                }
                Side::Sell => {
                    let worst = (u128::from(oracle) * u128::from(PPM - u64::from(slippage))).div_ceil(u128::from(PPM));
                    u64::try_from(worst.div_ceil(u128::from(tick)) * u128::from(tick))?.max(tick)
                }
            }
        }
        (None, _) => anyhow::bail!("--price is required for a {:?} order", request.kind),
    };
    Ok(units)
}

pub async fn place<C: Chain>(session: &mut Session<'_, C>, request: Request<'_>) -> anyhow::Result<Output> {
    let markets = session.markets().await?;
    let market = session::find(&markets, request.market)?.clone();
    let lot_size = market.header.lot_size;
    let base_lots = units::lots(request.size, lot_size, "size")?;
    anyhow::ensure!(base_lots > 0, "size must be more than 0");
    let limit = limit_price(&market, &request)?;
    let trader = session.existing_trader().await?;
    let params = OrderParams {
        side: match request.side {
            Side::Buy => OrderSide::Buy,
            Side::Sell => OrderSide::Sell,
        },
        order_type: match request.kind {
            OrderKind::Limit => OrderType::Limit,
            OrderKind::PostOnly => OrderType::PostOnly,
            OrderKind::Ioc => OrderType::ImmediateOrCancel,
            OrderKind::Market => OrderType::Market,
        },
        price: limit,
        base_lots,
        reduce_only: request.reduce_only,
        client_order_id: request.client_id,
    };
    let set = session::margin_set(&trader, &markets, Some(&market.address()))?;
    let owner = session.owner();
    let ix = instructions::place_order(&owner, session.sub_account, &market.address(), &market.oracle()?, params, &set);
    let sent = session.send(&[ix]).await?;

    let me = session.trader_address();
    let placed = events::decode::<OrderPlaced>(&sent.logs)
        .into_iter()
        .find(|e| e.trader == me)
        .ok_or_else(|| anyhow::anyhow!("{}: landed without an OrderPlaced event", sent.signature))?;
    let fills: Vec<OrderFilled> =
        events::decode::<OrderFilled>(&sent.logs).into_iter().filter(|f| f.taker == me).collect();
    let cancels = events::decode::<OrderCancelled>(&sent.logs);
    let filled_base: u64 = fills.iter().map(|f| f.base).sum();
    let notional: u128 = fills.iter().map(|f| u128::from(f.price) * u128::from(f.base_lots)).sum();
    let average = if placed.filled_lots == 0 {
        None
    } else {
        Some(
            Decimal::from_i128_with_scale(i128::try_from(notional / u128::from(placed.filled_lots))?, 0)
                / Decimal::from(PRICE_PRECISION),
        )
    };
    let fees: u64 = fills.iter().map(|f| f.taker_fee).sum();
    let lots_text = |lots: u64| -> anyhow::Result<String> { Ok(num(units::base(i64::try_from(lots)?, lot_size))) };
    let side = match request.side {
        Side::Buy => "buy",
        Side::Sell => "sell",
    };
    let mut text = format!(
        "{side} {} {} ({:?}{}) at {}: filled {}",
        num(request.size),
        market.symbol,
        params.order_type,
        if request.reduce_only { ", reduce-only" } else { "" },
        num(price(limit)),
        lots_text(placed.filled_lots)?
    );
    if let Some(avg) = average {
        text.push_str(&format!(
            " at {} average in {} fills, fee {}",
            num(avg.round_dp(6)),
            fills.len(),
            num(quote_u(fees))
        ));
    }
    if placed.rested_lots > 0 {
        text.push_str(&format!("; resting {} (order {})", lots_text(placed.rested_lots)?, placed.order_seq));
    }
    text.push_str(&format!("\nsignature {}\n", sent.signature));
    let base_filled = decimal(filled_base.into(), perp::math::BASE_PRECISION);
    Ok(Output {
        text,
        json: json!({
            "market": market.symbol, "side": side, "type": format!("{:?}", params.order_type),
            "size": num(request.size), "price": num(price(limit)), "reduce_only": request.reduce_only,
            "client_id": request.client_id, "order_seq": placed.order_seq,
            "filled": num(base_filled), "resting": lots_text(placed.rested_lots)?,
            "average_price": average.map(|a| num(a.round_dp(6))),
            "fills": fills.len(), "fees": num(quote_u(fees)),
            "cancelled_makers": cancels.iter().filter(|c| c.trader != me).count(),
            "signature": sent.signature.to_string(),
        }),
    })
}

pub async fn cancel<C: Chain>(
    session: &mut Session<'_, C>,
    market: &str,
    client_id: Option<u64>,
) -> anyhow::Result<Output> {
    let markets = session.markets().await?;
    let market = session::find(&markets, market)?.clone();
    let trader = session.existing_trader().await?;
    anyhow::ensure!(
        trader.seat_in(&market.address()).is_some(),
        "no orders in {}: the trader account holds no seat there; nothing sent",
        market.symbol
    );
    let owner = session.owner();
    let ix = match client_id {
        Some(id) => instructions::cancel_order(&owner, session.sub_account, &market.address(), id),
        None => instructions::cancel_all_orders(&owner, session.sub_account, &market.address()),
    };
    let sent = session.send(&[ix]).await?;
    let me = session.trader_address();
    let cancelled: Vec<OrderCancelled> =
        events::decode::<OrderCancelled>(&sent.logs).into_iter().filter(|c| c.trader == me).collect();
    let lot_size = market.header.lot_size;
    let rows: Vec<serde_json::Value> = cancelled
        .iter()
        .map(|c| -> anyhow::Result<serde_json::Value> {
            Ok(json!({
                "order_seq": c.order_seq, "client_id": c.client_order_id, "side": format!("{:?}", c.side),
                "price": num(price(c.price)), "size": num(units::base(i64::try_from(c.base_lots)?, lot_size)),
            }))
        })
        .collect::<anyhow::Result<_>>()?;
    let mut text = format!("cancelled {} orders in {}\n", cancelled.len(), market.symbol);
    for row in &rows {
        text.push_str(&format!(
            "  order {} (client id {}) {} {} at {}\n",
            row["order_seq"],
            row["client_id"],
            row["side"].as_str().unwrap_or("-"),
            row["size"].as_str().unwrap_or("-"),
            row["price"].as_str().unwrap_or("-")
        ));
    }
    text.push_str(&format!("signature {}\n", sent.signature));
    Ok(Output {
        text,
        json: json!({ "market": market.symbol, "cancelled": rows, "signature": sent.signature.to_string() }),
    })
}
