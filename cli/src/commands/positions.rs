//! `perp positions`: each position as the program's margin engine and the waterfall see it.
use perp_client::chain::Chain;
use perp_client::units::{self, price, quote, ratio};
use perp_client::{risk, views};
use serde_json::{json, Value};

use crate::output::{num, percent, table, Output};
use crate::session::{self, Session};
use crate::OrPerp;

pub async fn show<C: Chain>(session: &mut Session<'_, C>) -> anyhow::Result<Output> {
    let trader = session.existing_trader().await?;
    let markets = session.markets().await?;
    let mut data = session::market_data(&markets);
    let equity = views::account(&trader, &mut data).or_perp()?.equity;
    let positions = risk::positions(&trader, &mut data).or_perp()?;
    let me = session.trader_address();
    let mut json_rows = Vec::new();
    let mut rows = Vec::new();
    for p in &positions {
        let market =
            markets.iter().find(|m| m.address() == p.market).ok_or_else(|| anyhow::anyhow!("market {}", p.market))?;
        let lot_size = market.header.lot_size;
        let mut md = market.data.clone();
        let (_, seat) = md.seat_of(&me).or_perp()?.ok_or_else(|| anyhow::anyhow!("no seat in {}", market.symbol))?;
        let funding = views::position_funding(&market.header, &seat, equity).or_perp()?;
        let side = if p.base_lots > 0 { "long" } else { "short" };
        let optional_price = |p: Option<u64>| p.map(|p| num(price(p)));
        let pending_adl = p.pending_adl.map(|a| {
            json!({ "events": a.events, "lots": a.lots, "size": num(units::base(i64::try_from(a.lots).unwrap_or(i64::MAX), lot_size)),
                    "cash": num(quote(a.cash)), "realized_pnl": num(quote(a.realized_pnl)) })
        });
        let row = json!({
            "market": market.symbol,
            "side": side,
            "size": num(units::base(p.base_lots.abs(), lot_size)),
            "entry_price": num(price(p.entry_price)),
            "oracle_price": num(price(market.header.oracle_price)),
            "unrealized_pnl": num(quote(p.unrealized_pnl)),
            "funding_paid": num(quote(funding.paid)),
            "funding_pending": num(quote(funding.pending)),
            "liquidation_price": optional_price(p.liquidation_price),
            "bankruptcy_price": optional_price(p.bankruptcy_price),
            "adl_share": num(ratio(p.adl_share_ppm)),
            "pending_adl": pending_adl,
        });
        let cell = |v: &Value| match v {
            Value::String(s) => s.clone(),
            Value::Null => "-".into(),
            other => other.to_string(),
        };
        rows.push(vec![
            market.symbol.clone(),
            side.to_string(),
            cell(&row["size"]),
            cell(&row["entry_price"]),
            cell(&row["oracle_price"]),
            cell(&row["unrealized_pnl"]),
            cell(&row["funding_paid"]),
            cell(&row["funding_pending"]),
            cell(&row["liquidation_price"]),
            percent(ratio(p.adl_share_ppm)),
            p.pending_adl.map_or("-".into(), |a| format!("{} events", a.events)),
        ]);
        json_rows.push(row);
    }
    let text = if rows.is_empty() {
        format!("no open positions (equity {})\n", num(quote(equity)))
    } else {
        let mut text = table(
            &[
                "market",
                "side",
                "size",
                "entry",
                "oracle",
                "uPnL",
                "funding paid",
                "funding due",
                "liq price",
                "ADL share",
                "pending ADL",
            ],
            &rows,
        );
        text.push_str(&format!("equity {}\n", num(quote(equity))));
        text
    };
    Ok(Output { text, json: json!({ "trader": me.to_string(), "equity": num(quote(equity)), "positions": json_rows }) })
}
