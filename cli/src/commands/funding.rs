//! `perp funding [MARKET]`: the last and predicted funding rate per interval and their APR, what
//! that APR is on the trader's own money at 10x, and at the trader's own leverage for each of its
//! positions (3 bps a day is 10.95% a year, and 109.5% of equity at 10x).
use perp::math::funding::rate_on_equity;
use perp_client::chain::Chain;
use perp_client::units::{self, quote};
use perp_client::views;
use rust_decimal::Decimal;
use serde_json::json;

use crate::output::{num, percent, table, Output};
use crate::session::{self, Market, Session};
use crate::OrPerp;

/// Leverage x100 of the reference column: 10x.
const REFERENCE_LEVERAGE_X100: i64 = 1_000;

pub async fn show<C: Chain>(session: &mut Session<'_, C>, market: Option<&str>) -> anyhow::Result<Output> {
    let markets = session.markets().await?;
    let selected: Vec<&Market> = match market {
        Some(name) => vec![session::find(&markets, name)?],
        None => markets.iter().collect(),
    };
    // The trader's own leverage per market, when it has an account and positions.
    let me = session.trader_address();
    let trader = session.trader().await?;
    let equity = match &trader {
        Some(t) => Some(views::account(t, &mut session::market_data(&markets)).or_perp()?.equity),
        None => None,
    };
    let mut rows = Vec::new();
    let mut json_rows = Vec::new();
    for m in selected {
        let f = views::funding(&m.header).or_perp()?;
        let at_10x = rate_on_equity(f.predicted_apr, REFERENCE_LEVERAGE_X100).or_perp()?;
        let mut yours = None;
        if let (Some(equity), Some(_)) = (equity, trader.as_ref().and_then(|t| t.seat_in(&m.address()))) {
            let mut data = m.data.clone();
            if let Some((_, seat)) = data.seat_of(&me).or_perp()? {
                if seat.base_lots != 0 {
                    let p = views::position_funding(&m.header, &seat, equity).or_perp()?;
                    yours = Some((p.leverage_x100, p.predicted_apr_on_equity, p.pending));
                }
            }
        }
        let rate = |r: i64| units::rate(r);
        rows.push(vec![
            m.symbol.clone(),
            format!("{}h", Decimal::from(f.interval_secs) / Decimal::from(3600)),
            percent(rate(f.last_rate)),
            percent(rate(f.last_apr)),
            percent(rate(f.predicted_rate)),
            percent(rate(f.predicted_apr)),
            percent(rate(at_10x)),
            yours.map_or("-".into(), |(lev, apr, _)| {
                format!("{} at {}x", percent(rate(apr)), num(Decimal::from(lev) / Decimal::ONE_HUNDRED))
            }),
        ]);
        json_rows.push(json!({
            "market": m.symbol,
            "interval_secs": f.interval_secs,
            "last_rate": num(rate(f.last_rate)),
            "last_apr": num(rate(f.last_apr)),
            "predicted_rate": num(rate(f.predicted_rate)),
            "predicted_apr": num(rate(f.predicted_apr)),
            "predicted_apr_on_equity_at_10x": num(rate(at_10x)),
            "next_boundary": f.next_boundary,
            "yours": yours.map(|(lev, apr, pending)| json!({
                "leverage": num(Decimal::from(lev) / Decimal::ONE_HUNDRED),
                "predicted_apr_on_equity": num(rate(apr)),
                "pending": num(quote(pending)),
            })),
        }));
    }
    let mut text = table(
        &[
            "market",
            "interval",
            "last rate",
            "last APR",
            "predicted",
            "predicted APR",
            "APR on equity at 10x",
            "yours (on equity)",
        ],
        &rows,
    );
    text.push_str("rates are per interval; > 0: longs pay shorts. APR on equity = APR x leverage.\n");
    Ok(Output { text, json: json!({ "markets": json_rows }) })
}
