//! `perp markets [MARKET]`: every market with its price, funding and open interest, and the
//! insurance fund; one market with all of its parameters.
use anchor_lang::AccountDeserialize;
use perp::math::position::Position;
use perp::math::BASE_PRECISION;
use perp::state::MarketUpdate;
use perp::state::{MarketStatus, OracleKind};
use perp_client::chain::Chain;
use perp_client::units::{self, decimal, price, quote_u, ratio};
use perp_client::{pda, risk, views};
use serde_json::{json, Value};

use crate::output::{num, pairs, percent, table, Output};
use crate::session::{self, Market, Session};
use crate::OrPerp;

/// Everything `markets` reports about one market, as JSON.
fn describe(market: &Market, insurance_fund: u64, pending: Option<&MarketUpdate>) -> anyhow::Result<Value> {
    let h = &market.header;
    let funding = views::funding(h).or_perp()?;
    let oi_lots = i64::try_from(h.open_interest_lots)?;
    let oi_notional = Position { base_lots: oi_lots, quote_entry: 0 }.notional(h.lot_size, h.oracle_price).or_perp()?;
    let mut data = vec![market.data.clone()];
    let coverage = risk::coverage(insurance_fund, &mut data).or_perp()?.remove(0);
    let brackets: Vec<Value> = h.brackets.bands[..usize::try_from(h.brackets.count)?]
        .iter()
        .map(|b| {
            json!({
                "max_notional": if b.max_notional == u64::MAX { Value::Null } else { json!(num(quote_u(b.max_notional))) },
                "initial_margin": num(ratio(b.initial_ppm.into())),
                "maintenance_margin": num(ratio(b.maintenance_ppm.into())),
            })
        })
        .collect();
    let lowest_initial = h.brackets.lowest_initial_ppm();
    let pending_update = match pending {
        Some(u) => json!({
            "announced_at": u.announced_at,
            "effective_at": u.effective_at,
            "status": format!("{:?}", MarketStatus::try_from(u.status).or_perp()?),
            "changes": views::pending_changes(h, &u.config).or_perp()?,
        }),
        None => Value::Null,
    };
    Ok(json!({
        "symbol": market.symbol,
        "address": market.address().to_string(),
        "status": format!("{:?}", MarketStatus::try_from(h.status).or_perp()?),
        "oracle_kind": format!("{:?}", OracleKind::try_from(h.oracle_kind).or_perp()?),
        "oracle": market.oracle()?.to_string(),
        "oracle_price": num(price(h.oracle_price)),
        "oracle_publish_time": h.oracle_publish_time,
        "tick_size": num(price(h.tick_size)),
        "lot_size": num(decimal(h.lot_size.into(), BASE_PRECISION)),
        "min_order_notional": num(quote_u(h.min_order_notional)),
        "max_leverage": num(rust_decimal::Decimal::from(perp::math::PPM) / rust_decimal::Decimal::from(lowest_initial.max(1))),
        "brackets": brackets,
        "taker_fee": num(ratio(h.taker_fee_ppm.into())),
        "maker_fee": num(ratio(h.maker_fee_ppm.into())),
        "price_band": num(ratio(h.price_band_ppm.into())),
        "fill_band": num(ratio(h.fill_band_ppm.into())),
        "funding": {
            "interval_secs": funding.interval_secs,
            "last_rate": num(units::rate(funding.last_rate)),
            "last_apr": num(units::rate(funding.last_apr)),
            "predicted_rate": num(units::rate(funding.predicted_rate)),
            "predicted_apr": num(units::rate(funding.predicted_apr)),
            "next_boundary": funding.next_boundary,
            "cap": num(units::rate(h.funding_cap)),
        },
        "open_interest": num(units::base(oi_lots, h.lot_size)),
        "open_interest_notional": num(quote_u(oi_notional)),
        "max_open_interest": num(units::base(i64::try_from(h.max_open_interest_lots)?, h.lot_size)),
        "seats": h.seat_count,
        "seat_capacity": h.seat_capacity,
        "seat_deposit": num(quote_u(h.seat_deposit)),
        "insurance_cap_per_event": num(quote_u(h.insurance_cap_per_event)),
        "insurance_coverage": num(ratio(coverage.coverage_ppm)),
        "insurance_position": num(units::base(coverage.insurance_position_lots, h.lot_size)),
        "liquidation_penalty": num(ratio(h.liquidation_penalty_ppm.into())),
        "pending_update": pending_update,
    }))
}

fn text_of(value: &Value, key: &str) -> String {
    match &value[key] {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        other => other.to_string(),
    }
}

pub async fn show<C: Chain>(session: &mut Session<'_, C>, market: Option<&str>) -> anyhow::Result<Output> {
    let exchange = session.exchange().await?;
    let insurance_fund = exchange.ledger.insurance_fund;
    let markets = session.markets().await?;
    let selected: Vec<&Market> = match market {
        Some(name) => vec![session::find(&markets, name)?],
        None => markets.iter().collect(),
    };
    // Announced (timelocked) changes, one account per market.
    let update_keys: Vec<_> = selected.iter().map(|m| pda::market_update(&m.address())).collect();
    let mut updates = Vec::with_capacity(selected.len());
    for account in session.chain.multiple_accounts(&update_keys).await? {
        updates.push(match account {
            Some(a) => Some(
                MarketUpdate::try_deserialize(&mut a.data.as_slice())
                    .map_err(|e| anyhow::anyhow!("announced market update: {e}"))?,
            ),
            None => None,
        });
    }
    let described: Vec<Value> = selected
        .iter()
        .zip(&updates)
        .map(|(m, u)| describe(m, insurance_fund, u.as_ref()))
        .collect::<anyhow::Result<_>>()?;
    let fund = num(quote_u(insurance_fund));
    let json = json!({ "insurance_fund": fund, "markets": described });
    let text = match (market, described.first()) {
        (Some(_), Some(m)) => {
            let f = &m["funding"];
            let mut rows: Vec<(&str, String)> = [
                "symbol",
                "address",
                "status",
                "oracle_kind",
                "oracle",
                "oracle_price",
                "tick_size",
                "lot_size",
                "min_order_notional",
                "max_leverage",
                "taker_fee",
                "maker_fee",
                "price_band",
                "fill_band",
                "open_interest",
                "open_interest_notional",
                "max_open_interest",
                "seat_deposit",
                "insurance_cap_per_event",
                "liquidation_penalty",
            ]
            .into_iter()
            .map(|k| (k, text_of(m, k)))
            .collect();
            rows.push(("seats", format!("{} / {}", m["seats"], m["seat_capacity"])));
            for (i, b) in m["brackets"].as_array().into_iter().flatten().enumerate() {
                let upto = match &b["max_notional"] {
                    Value::String(s) => format!("up to {s}"),
                    _ => "above".into(),
                };
                let line = format!(
                    "{} notional: initial {} maintenance {}",
                    upto,
                    text_of(b, "initial_margin"),
                    text_of(b, "maintenance_margin")
                );
                rows.push((if i == 0 { "margin brackets" } else { "" }, line));
            }
            rows.push((
                "funding",
                format!(
                    "every {} s; last {} (APR {}); predicted {} (APR {}); next at {}",
                    f["interval_secs"],
                    text_of(f, "last_rate"),
                    percent(text_of(f, "last_apr").parse()?),
                    text_of(f, "predicted_rate"),
                    percent(text_of(f, "predicted_apr").parse()?),
                    f["next_boundary"]
                ),
            ));
            if let Value::Object(u) = &m["pending_update"] {
                let changes: Vec<&str> =
                    u["changes"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
                let status = text_of(&m["pending_update"], "status");
                rows.push((
                    "announced update",
                    format!("{} from {} ({status})", changes.join(", "), u["effective_at"]),
                ));
            }
            rows.push((
                "insurance fund",
                format!("{fund} (covers {} of open interest)", percent(text_of(m, "insurance_coverage").parse()?)),
            ));
            pairs(&rows)
        }
        _ => {
            let rows: Vec<Vec<String>> = described
                .iter()
                .map(|m| -> anyhow::Result<Vec<String>> {
                    let f = &m["funding"];
                    Ok(vec![
                        text_of(m, "symbol"),
                        text_of(m, "status"),
                        text_of(m, "oracle_price"),
                        format!("{}x", text_of(m, "max_leverage")),
                        percent(text_of(f, "last_rate").parse()?),
                        percent(text_of(f, "predicted_apr").parse()?),
                        text_of(m, "open_interest"),
                        text_of(m, "open_interest_notional"),
                        format!("{}/{}", m["seats"], m["seat_capacity"]),
                        if m["pending_update"].is_null() {
                            "-".into()
                        } else {
                            format!("from {}", m["pending_update"]["effective_at"])
                        },
                    ])
                })
                .collect::<anyhow::Result<_>>()?;
            let mut text = table(
                &[
                    "market",
                    "status",
                    "price",
                    "max lev",
                    "last funding",
                    "predicted APR",
                    "open interest",
                    "OI notional",
                    "seats",
                ],
                &rows,
            );
            text.push_str(&format!("insurance fund {fund}\n"));
            text
        }
    };
    Ok(Output { text, json })
}
